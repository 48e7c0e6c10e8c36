//! `zat docs [BUILDER]`: the fleet script reference in the terminal, or as the Markdown of
//! `docs/dsl.md` and the rhai definitions of `docs/zat.d.rhai`.
//!
//! All three come from the builder table of zat-script, the same table the runtime checks
//! options maps against.

use crate::Exit;
use crate::common;
use crate::report;

/// What to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Plain text for reading in the terminal.
    Text,
    /// The Markdown reference (`docs/dsl.md`).
    Markdown,
    /// A rhai definitions file for editor completion (`docs/zat.d.rhai`).
    Rhai,
}

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A builder to show in full (`lpar`, `rule`, ...); all builders in brief when left out.
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(zat_script::dsl_builders()))]
    pub(crate) builder: Option<String>,

    /// Output format; markdown and rhai always print the whole reference.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

pub(crate) fn run(args: &Args) -> Exit {
    let text = match args.format {
        Format::Markdown => Some(zat_script::dsl_markdown()),
        Format::Rhai => Some(zat_script::dsl_definitions()),
        Format::Text => zat_script::dsl_text(args.builder.as_deref()),
    };
    match text {
        Some(text) => common::write_stdout(&text),
        None => {
            report::usage_error(&format!(
                "no builder `{}`; `zat docs` lists them",
                args.builder.as_deref().unwrap_or_default()
            ));
            Exit::Failure
        }
    }
}
