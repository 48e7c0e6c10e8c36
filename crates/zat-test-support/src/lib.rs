//! Dev-only test helpers for emitters: requests over the fixture fleets, in-process rendering,
//! snapshots of every rendered file and z/OS text checks. Never a normal dependency.

use zat_core::{Prepared, fixtures};
use zat_plugin_api::model::Fleet;
use zat_plugin_api::{Emitter, RenderRequest, RenderResponse};
use zat_zos::{self as zos, CheckOptions, Problem, TextKind};

/// The `zat_version` of every test request: a fixed word, so that snapshots do not move with
/// releases.
pub const ZAT_VERSION: &str = "test";

/// The request the host would send for the whole fleet, with no plugin options.
pub fn request(fleet: Fleet) -> RenderRequest {
    RenderRequest::new(fleet, ZAT_VERSION)
}

/// A fixture fleet of [`zat_core::fixtures`] (`seed`, `multi` or `existing`) after expansion,
/// with no error diagnostics.
///
/// # Panics
///
/// On an unknown name, or when the fixture does not prepare cleanly.
pub fn fixture(name: &str) -> Fleet {
    let prepared: Prepared = match name {
        "seed" => fixtures::seed(),
        "multi" => fixtures::multi(),
        "existing" => fixtures::existing(),
        other => panic!("no fixture {other}: zat_core::fixtures has seed, multi and existing"),
    };
    assert!(!prepared.has_errors(), "{name}: {:#?}", prepared.diagnostics);
    prepared.fleet
}

/// Calls an emitter in process, as the host's linked-in path does but without the C ABI.
///
/// # Panics
///
/// When the emitter refuses the request.
pub fn render<E: Emitter>(request: &RenderRequest) -> RenderResponse {
    E::default()
        .render(request)
        .unwrap_or_else(|error| panic!("{} does not render: {error}", E::NAME))
}

/// Column limit, tabs and characters outside the code page 1047 safe set, line by line.
pub fn zos_findings(text: &str, columns: usize) -> Vec<String> {
    let options = CheckOptions { jcl_columns: columns, data_columns: columns };
    zos::check(text, TextKind::TsoData, &options)
        .into_iter()
        .filter(|finding| {
            matches!(
                finding.problem,
                Problem::TooLong { .. } | Problem::Tab | Problem::UnsafeCharacter(_)
            )
        })
        .map(|finding| finding.to_string())
        .collect()
}

/// One snapshot per rendered file, named `<fixture>__<path with / as __>`, plus
/// `<fixture>__files`: the file list with targets, then the diagnostics.
///
/// A macro, not a function: insta files a snapshot beside the source file that invokes its
/// assertion, so the assertion has to expand in the calling test for the snapshots to stay in
/// that test's `snapshots/` folder. Snapshot names carry no module prefix.
/// Used as `snapshot_all!("seed", &render::<SyslogEmitter>(&request(fixture("seed"))))`.
#[macro_export]
macro_rules! snapshot_all {
    ($fixture:expr, $response:expr $(,)?) => {{
        let mut settings = $crate::__private::insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| {
            for (name, content) in $crate::__private::snapshots($fixture, $response) {
                $crate::__private::insta::assert_snapshot!(name, content);
            }
        });
    }};
}

/// What [`snapshot_all!`] expands to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use insta;
    use zat_plugin_api::RenderResponse;

    /// Name and content of every snapshot of a response, the file list last.
    pub fn snapshots(fixture: &str, response: &RenderResponse) -> Vec<(String, String)> {
        let mut listing = String::new();
        let mut out = Vec::with_capacity(response.files.len() + 1);
        for file in &response.files {
            listing.push_str(&format!(
                "{} -> {}\n",
                file.path,
                file.target.as_deref().unwrap_or("-")
            ));
            out.push((
                format!("{fixture}__{}", file.path.replace('/', "__")),
                file.content.clone(),
            ));
        }
        for diagnostic in &response.diagnostics {
            listing.push_str(&format!("{diagnostic}\n"));
        }
        out.push((format!("{fixture}__files"), listing));
        out
    }
}

/// Bundle paths a Markdown file of the bundle mentions: code spans and link targets that start with a
/// bundle folder (link targets relative to `base`, the file's folder).
///
/// # Panics
///
/// When a link leaves the bundle.
pub fn mentioned_paths(markdown: &str, base: &str) -> std::collections::BTreeSet<String> {
    let looks_like_path = |s: &str| {
        (s.starts_with("lpars/")
            || s.starts_with("security/")
            || s == zat_plugin_api::layout::FLEET_README)
            && !s.contains(' ')
    };
    let mut paths = std::collections::BTreeSet::new();
    for (index, span) in markdown.split('`').enumerate() {
        if index % 2 == 1 && looks_like_path(span) {
            paths.insert(span.to_owned());
        }
    }
    for (_, rest) in markdown.match_indices("](").map(|(at, _)| ((), &markdown[at + 2..])) {
        let target = rest.split(')').next().unwrap_or_default();
        let mut resolved: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
        for part in target.split('/') {
            match part {
                ".." => {
                    assert!(
                        resolved.pop().is_some(),
                        "link {target} from {base} leaves the bundle"
                    );
                }
                part => resolved.push(part),
            }
        }
        let resolved = resolved.join("/");
        assert!(!target.contains("://"), "link {target} from {base} leaves the bundle");
        paths.insert(resolved);
    }
    paths
}
