//! The sandboxed engine: explicit limits, a wall-clock deadline, no `eval`, `print` and
//! `debug` into `tracing`, imports through [`SandboxResolver`] only; and one script run.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rhai::{Dynamic, Engine, EvalAltResult, Position, Scope};
use zat_model::{Diagnostic, Fleet};

use crate::handles::shared;
use crate::options::Mistakes;
use crate::resolver::SandboxResolver;
use crate::{ScriptOptions, builders, diagnose, params};

/// How often (in operations) the deadline is checked; reading the clock on every operation
/// would slow scripts down for nothing.
const CLOCK_EVERY: u64 = 1024;

/// How often (in variable reads), at least, the values in scope are measured against the size
/// limits. rhai checks a value's size when an operation returns it, but not a map that grows
/// by `m[key] = value` with new keys: without this, such a loop grows until memory runs out.
/// A measurement visits every item of the arrays and maps in scope, so the next one waits
/// for [`SIZE_SPACING`] reads per value it visited: a site's inventory of thousands of LPARs
/// kept in scope costs an eighth of a visit per read, not the whole inventory every 64 reads
/// (which made such a script quadratic in its LPARs). A loop that only grows a value (a few
/// reads per new entry) is still stopped within a few times its limit.
pub(crate) const SIZE_EVERY: u64 = 64;

/// Reads before the next measurement, per value the last one visited. At one, the bench
/// fleet's script (whose list of databases is in scope) ran 8 % slower than without
/// measuring arrays; at eight, within the noise.
pub(crate) const SIZE_SPACING: u64 = 8;

/// When the values in scope are measured: counts variable reads, and says a read is due once
/// the reads since the last measurement are [`SIZE_SPACING`] times the values it visited (at
/// least [`SIZE_EVERY`]).
#[derive(Debug, Default)]
pub(crate) struct Schedule {
    reads: AtomicU64,
    next: AtomicU64,
}

impl Schedule {
    /// Counts a read; the read's number when a measurement is due.
    pub(crate) fn due(&self) -> Option<u64> {
        let read = self.reads.fetch_add(1, Ordering::Relaxed);
        (read >= self.next.load(Ordering::Relaxed)).then_some(read)
    }

    /// A measurement at read `read` visited `visited` values.
    pub(crate) fn measured(&self, read: u64, visited: u64) {
        let wait = visited.saturating_mul(SIZE_SPACING).max(SIZE_EVERY);
        self.next.store(read.saturating_add(wait), Ordering::Relaxed);
    }
}

/// Deeper than this, a measurement stops descending into nested values (rhai measures what an
/// operation returns anyway).
const SIZE_DEPTH: usize = 256;

/// A value's totals as rhai's limits count them: items of arrays and blobs, entries of maps,
/// bytes of strings, nested values included; and how many values a measurement visited.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Totals {
    pub(crate) items: usize,
    pub(crate) entries: usize,
    pub(crate) bytes: usize,
    pub(crate) visited: u64,
}

impl Totals {
    pub(crate) fn add(&mut self, value: &Dynamic, depth: usize) {
        self.visited += 1;
        // A shared value may be locked by the statement running now; it is measured when an
        // operation returns it.
        if value.is_shared() || depth > SIZE_DEPTH {
            return;
        }
        if let Ok(text) = value.as_immutable_string_ref() {
            self.bytes += text.len();
        } else if let Ok(array) = value.as_array_ref() {
            self.items += array.len();
            for item in array.iter() {
                self.add(item, depth + 1);
            }
        } else if let Ok(map) = value.as_map_ref() {
            self.entries += map.len();
            for item in map.values() {
                self.add(item, depth + 1);
            }
        } else if let Ok(blob) = value.as_blob_ref() {
            self.items += 1 + blob.len();
        }
    }

    /// The limit this value is over, in rhai's words, if any.
    pub(crate) fn over(&self, limits: &crate::Limits) -> Option<&'static str> {
        if self.bytes > limits.max_string_size {
            Some("Length of string")
        } else if self.items > limits.max_array_size {
            Some("Size of array/BLOB")
        } else if self.entries > limits.max_map_size {
            Some("Size of object map")
        } else {
            None
        }
    }
}

/// Value the progress callback stops the script with when the deadline passes.
pub(crate) const DEADLINE_TOKEN: &str = "zat-deadline";

fn sandboxed_engine(
    name: &str,
    folder: &Path,
    options: &ScriptOptions,
    mistakes: &Arc<Mistakes>,
) -> Engine {
    let limits = &options.limits;
    let mut engine = Engine::new();
    // Every limit set explicitly: rhai's defaults differ between debug and release builds.
    engine
        .set_max_operations(limits.max_operations)
        .set_max_call_levels(limits.max_call_depth)
        .set_max_expr_depths(limits.max_expr_depth, limits.max_function_expr_depth)
        .set_max_string_size(limits.max_string_size)
        .set_max_array_size(limits.max_array_size)
        .set_max_map_size(limits.max_map_size)
        .set_max_modules(limits.max_modules)
        .set_max_variables(limits.max_variables)
        .set_max_functions(limits.max_functions);
    // No string interning: a fleet script makes thousands of names of its own (`SYS` + n), and
    // rhai's interner, once full, scans its whole cache to evict one string per new string
    // interned. Off, the bench fleet's script runs 16 to 22 % faster, in the same memory.
    engine.set_max_strings_interned(0);
    engine.disable_symbol("eval");
    engine.set_default_tag(Dynamic::from(name.to_owned()));
    engine.set_module_resolver(SandboxResolver::new(
        name,
        folder,
        &options.lib_dirs,
        limits.max_script_size,
        mistakes,
    ));

    let script = name.to_owned();
    engine.on_print(move |text| {
        let text = diagnose::printable(text);
        tracing::info!(target: "zat::script", "{script}: {text}");
    });
    let script = name.to_owned();
    engine.on_debug(move |text, source, position| {
        let file = source.unwrap_or(&script);
        let text = diagnose::printable(text);
        tracing::debug!(target: "zat::script", "{file}:{position}: {text}");
    });

    let schedule = Schedule::default();
    let size_limits = limits.clone();
    // rhai marks `on_var` volatile (its signature may change), not deprecated; it is the one
    // hook that sees the scope while a script runs.
    #[allow(deprecated)]
    engine.on_var(move |_, _, context| {
        let Some(read) = schedule.due() else { return Ok(None) };
        let mut visited = 0;
        for (_, _, value) in context.scope().iter_raw() {
            // A shared value may be locked by the statement running now: not even its type
            // is asked.
            if value.is_shared() || !(value.is_map() || value.is_array()) {
                continue;
            }
            let mut totals = Totals::default();
            totals.add(value, 0);
            visited += totals.visited;
            if let Some(what) = totals.over(&size_limits) {
                let error = EvalAltResult::ErrorDataTooLarge(what.to_owned(), Position::NONE);
                return Err(error.into());
            }
        }
        schedule.measured(read, visited);
        Ok(None)
    });

    let deadline = Instant::now() + options.timeout;
    engine.on_progress(move |operations| {
        (operations % CLOCK_EVERY == 0 && Instant::now() >= deadline)
            .then(|| Dynamic::from(DEADLINE_TOKEN))
    });
    engine
}

/// Runs the script. Mistakes builders record do not stop it; they, and the error that did
/// stop it if any, come back together, in source order.
pub(crate) fn run(
    name: &str,
    source: &str,
    folder: &Path,
    options: &ScriptOptions,
) -> Result<Fleet, Vec<Diagnostic>> {
    let mistakes = Arc::new(Mistakes::default());
    mistakes.add_source(name, source);
    let mut engine = sandboxed_engine(name, folder, options, &mistakes);
    let slot = shared(None);
    builders::register(&mut engine, slot.clone(), &mistakes);
    params::register(&mut engine, &options.params, &mistakes);

    let diagnose = |err: Box<rhai::EvalAltResult>| diagnose::diagnostic(&err, name, options);
    let mut ast = engine.compile(source).map_err(|err| vec![diagnose(err.into())])?;
    ast.set_source(name);

    let mut scope = Scope::new();
    scope.push_constant("params", params::params_map(&options.params));
    let stopped = engine.run_ast_with_scope(&mut scope, &ast).err().map(diagnose);
    // The script's values go first: the fleet's nodes are then held by the fleet alone, and
    // `finish` moves them out instead of copying them.
    drop(scope);

    let created = crate::handles::lock(&slot).take();
    let fatal = match (stopped, &created) {
        (Some(stopped), _) => Some(stopped),
        (None, None) => Some(diagnose::no_fleet(name)),
        (None, Some(_)) => None,
    };
    let diagnostics = mistakes.take(fatal);
    match created {
        Some((fleet, _)) if diagnostics.is_empty() => Ok(fleet.finish()),
        _ => Err(diagnostics),
    }
}
