//! Benchmark of `zat build` on the benchmark fleet: `cargo bench -p zat-tests --bench build`.
//!
//! For each size N (`ZAT_BENCH_SIZES`, default `100,1000,4000`) of `scripts/bench/fleet.rhai`,
//! and `ZAT_BENCH_ROUNDS` rounds (default 3) with the sizes interleaved, it measures in a
//! folder of `ZAT_BENCH_DIR` (default `/dev/shm`, a tmpfs, when it exists):
//!
//! - a build from empty, in a fresh process as `zat build` runs it ([`zat_driver::build_into`]
//!   with the built-in emitters): wall time, its phases, the plugins' own rendering time
//!   summed over threads, and the process's peak memory ("own work" is zat's own work of the
//!   issue's target: the script and the expansion, then the plugins' rendering spread over
//!   the cores);
//! - `cp -r` of the tree that build wrote, the file system's floor for writing it;
//! - a first rebuild with nothing changed, which has no base yet (it links every kept file
//!   and keeps the bundle it replaces as the next build's base), then, from that base, a
//!   rebuild after one LPAR changed (`--set touch=K`) and a rebuild with nothing changed, with
//!   what they added, changed, removed and kept;
//! - `zat build --check` on the rebuilt bundle ([`zat_driver::compare_keeping`], keeping
//!   only the fleet's size as the command does): every file compared with the one on disk as
//!   it renders, nothing written and no bundle held.
//!
//! With `ZAT_BENCH_HOSTED=1` the fleet's z/OS Connect servers run on its last LPARs
//! (`--set hosted=1`), so each requester's server is in the fleet and each requester calls it
//! with basic authentication (a note per requester). `ZAT_BENCH_SERVERS=M` makes M servers
//! instead of ten (`--set servers=M`), and `ZAT_BENCH_SERVERS=each` one per LPAR: with
//! `ZAT_BENCH_HOSTED=1`, a server on every LPAR.
//!
//! It prints the median of each figure; BENCHMARKS.md keeps them. Each child process prints
//! one line of numbers on stdout for the parent to read.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The allocator of the `zat` binary, with its settings (`tune_mimalloc` in `main`), so that
/// the figures are those of `zat build`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/bench/fleet.rhai")
}

fn inputs(lpars: usize, touch: usize) -> zat_driver::Inputs {
    let mut inputs = zat_driver::Inputs::new(script());
    inputs.script_options.params.insert("lpars".to_owned(), lpars.to_string());
    inputs.script_options.params.insert("touch".to_owned(), touch.to_string());
    if std::env::var("ZAT_BENCH_HOSTED").is_ok_and(|v| v == "1") {
        inputs.script_options.params.insert("hosted".to_owned(), "1".to_owned());
    }
    match std::env::var("ZAT_BENCH_SERVERS").as_deref() {
        Ok("each") => {
            inputs.script_options.params.insert("servers".to_owned(), lpars.to_string());
        }
        Ok(count) if !count.is_empty() => {
            inputs.script_options.params.insert("servers".to_owned(), count.to_owned());
        }
        _ => {}
    }
    inputs.script_options.timeout = std::time::Duration::from_secs(600);
    inputs
}

/// Peak resident memory of this process in kB (`VmHWM`), 0 where unknown.
fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// CPU time (user and system) this process used so far, in ms; `/proc/self/stat` counts in
/// clock ticks, 100 per second on Linux.
fn cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            // Fields after the command name, which is in parentheses and may hold spaces.
            let rest = stat.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let user: f64 = fields.get(11)?.parse().ok()?;
            let system: f64 = fields.get(12)?.parse().ok()?;
            Some((user + system) * 10.0)
        })
        .unwrap_or(f64::NAN)
}

fn ms(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// `--child build N TOUCH OUT` or `--child check N OUT`: one run, one line of figures.
fn child(args: &[String]) {
    let number = |i: usize| args.get(i).and_then(|a| a.parse::<usize>().ok()).unwrap_or(0);
    let builtins = || zat_driver::builtins(zat_plugin_host::PluginSet::builder());
    match args.first().map(String::as_str) {
        Some("build") => {
            let out = PathBuf::from(args.get(3).cloned().unwrap_or_default());
            let outcome =
                zat_driver::build_into(&inputs(number(1), number(2)), builtins(), &out, None);
            let written = outcome.result.expect("the benchmark fleet builds");
            let (t, s) = (&outcome.timings, &written.summary);
            // The plugins' own rendering, summed over the threads they ran on.
            let plugins: std::time::Duration = t.plugins.values().sum();
            println!(
                "{:.1} {:.1} {:.1} {:.1} {} {} {} {} {} {} {:.0} {:.1}",
                ms(t.script),
                ms(t.prepare),
                ms(t.render),
                ms(t.write),
                s.files,
                s.added,
                s.changed,
                s.removed,
                s.kept,
                peak_kb(),
                cpu_ms(),
                ms(plugins)
            );
        }
        Some("check") => {
            let out = PathBuf::from(args.get(2).cloned().unwrap_or_default());
            let comparer = zat_core::Comparer::new(Some(&out), None).expect("the bundle lists");
            // As `zat build --check` runs it: only the fleet's size is kept once units render.
            let outcome =
                zat_driver::compare_keeping(&inputs(number(1), 0), builtins(), comparer, |fleet| {
                    fleet.lpars.len()
                });
            let compared = outcome.result.expect("the benchmark fleet builds").compared;
            let t = &outcome.timings;
            println!(
                "{:.1} {:.1} {:.1} {} {} {}",
                ms(t.script),
                ms(t.prepare),
                ms(t.render),
                compared.files.len(),
                peak_kb(),
                compared.differences.len()
            );
        }
        _ => panic!("usage: --child build N TOUCH OUT | --child check N OUT"),
    }
}

/// Runs this program as a child; its wall time in ms and its line of figures.
fn run_child(args: &[String]) -> (f64, Vec<f64>) {
    let exe = std::env::current_exe().expect("the bench knows where it is");
    let started = Instant::now();
    let output = Command::new(exe).arg("--child").args(args).output().expect("run the child");
    let wall = ms(started.elapsed());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let figures = String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .map(|word| word.parse().unwrap_or(f64::NAN))
        .collect();
    (wall, figures)
}

fn timed(command: &mut Command) -> f64 {
    let started = Instant::now();
    let status = command.status().expect("run the command");
    assert!(status.success(), "{command:?} failed");
    ms(started.elapsed())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Every figure of one size, one value per round.
#[derive(Default)]
struct Figures {
    rows: std::collections::BTreeMap<&'static str, Vec<f64>>,
}

impl Figures {
    fn push(&mut self, name: &'static str, value: f64) {
        self.rows.entry(name).or_default().push(value);
    }
    fn median(&self, name: &str) -> f64 {
        median(&mut self.rows.get(name).cloned().unwrap_or_default())
    }
}

fn main() {
    zat_driver::tune_mimalloc();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args[1..]);
    }
    let sizes: Vec<usize> = std::env::var("ZAT_BENCH_SIZES")
        .unwrap_or_else(|_| "100,1000,4000".to_owned())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let rounds: usize =
        std::env::var("ZAT_BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let base = std::env::var_os("ZAT_BENCH_DIR").map(PathBuf::from).unwrap_or_else(|| {
        if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        }
    });
    let dir = tempfile::tempdir_in(&base).expect("a folder for the bundles");
    println!("zat build benchmark: {rounds} rounds, sizes {sizes:?}, in {}", base.display());
    let mut figures: Vec<Figures> = sizes.iter().map(|_| Figures::default()).collect();
    for round in 0..rounds {
        for (lpars, f) in sizes.iter().zip(&mut figures) {
            let out = dir.path().join(format!("out-{lpars}"));
            let copy = dir.path().join(format!("copy-{lpars}"));
            let kept_base = dir.path().join(format!(".out-{lpars}.zat-base"));
            let _ = std::fs::remove_dir_all(&out);
            let _ = std::fs::remove_dir_all(&copy);
            let _ = std::fs::remove_dir_all(&kept_base);
            let out_arg = out.to_string_lossy().into_owned();
            let build = |touch: usize| {
                run_child(&["build".into(), lpars.to_string(), touch.to_string(), out_arg.clone()])
            };
            let (wall, x) = build(0);
            f.push("full", wall);
            f.push("script", x[0]);
            f.push("prepare", x[1]);
            f.push("render+write", x[2]);
            f.push("finish", x[3]);
            f.push("files", x[4]);
            f.push("peak MB", x[9] / 1024.0);
            f.push("full CPU", x[10]);
            f.push("plugins CPU", x[11]);
            f.push("cp -r", timed(Command::new("cp").arg("-r").arg(&out).arg(&copy)));
            let _ = std::fs::remove_dir_all(&copy);
            // The first rebuild has no base yet (it links every kept file); it keeps the
            // bundle it replaces as the next one's, as every later rebuild of a site does.
            let (wall, _) = build(0);
            f.push("rebuild no base", wall);
            let (wall, x) = build(lpars / 2 + 1);
            f.push("rebuild 1 LPAR", wall);
            f.push("rebuild changed", x[5] + x[6] + x[7]);
            f.push("rebuild kept", x[8]);
            f.push("rebuild peak MB", x[9] / 1024.0);
            f.push("rebuild CPU", x[10]);
            let (wall, x) = build(lpars / 2 + 1);
            f.push("rebuild none", wall);
            f.push("none changed", x[5] + x[6] + x[7]);
            let (wall, x) = run_child(&["check".into(), lpars.to_string(), out_arg.clone()]);
            f.push("check", wall);
            f.push("check render", x[2]);
            f.push("check peak MB", x[4] / 1024.0);
            f.push("check differences", x[5]);
            eprintln!("round {} of {rounds}: {lpars} lpars done", round + 1);
        }
    }
    let names = [
        "files",
        "full",
        "full CPU",
        "script",
        "prepare",
        "render+write",
        "finish",
        "plugins CPU",
        "peak MB",
        "cp -r",
        "rebuild no base",
        "rebuild 1 LPAR",
        "rebuild CPU",
        "rebuild changed",
        "rebuild kept",
        "rebuild peak MB",
        "rebuild none",
        "none changed",
        "check",
        "check render",
        "check peak MB",
        "check differences",
    ];
    print!("{:<20}", "median (ms, MB)");
    for lpars in &sizes {
        print!("{:>14}", format!("N={lpars}"));
    }
    println!();
    for name in names {
        print!("{name:<20}");
        for f in &figures {
            print!("{:>14.1}", f.median(name));
        }
        println!();
    }
    print!("{:<20}", "full / cp -r");
    for f in &figures {
        print!("{:>14.2}", f.median("full") / f.median("cp -r"));
    }
    println!();
    // zat's own work: the script and the expansion, which run alone, then the plugins'
    // rendering spread over the machine's cores (without writing, listing or checking).
    let cores = std::thread::available_parallelism().map_or(1, usize::from) as f64;
    print!("{:<20}", "own work");
    for f in &figures {
        let own = f.median("script") + f.median("prepare") + f.median("plugins CPU") / cores;
        print!("{own:>14.1}");
    }
    println!();
    print!("{:<20}", "rebuild / full");
    for f in &figures {
        print!("{:>14.3}", f.median("rebuild 1 LPAR") / f.median("full"));
    }
    println!();
}
