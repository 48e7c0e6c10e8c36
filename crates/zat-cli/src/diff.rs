//! `zat diff`: a unified diff of what `zat build` would change in the bundle on disk, each
//! file compared with the one on disk as it renders (no bundle is held).

use std::path::PathBuf;

use similar::TextDiff;
use zat_core::DriftKind;

use crate::build::{RunArgs, compare_bundle, comparer};
use crate::common::{self, ScriptArgs};
use crate::output::{self, Change, ChangeKind, DiffOutput, FindingArgs, Format};
use crate::{Exit, report};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) script: ScriptArgs,
    /// The bundle folder to compare with.
    #[arg(short, long, value_name = "DIR", default_value = "out")]
    pub(crate) output: PathBuf,
    /// Exit 1 when a build would change the bundle, 0 when it would not (as `git diff
    /// --exit-code`).
    #[arg(long)]
    pub(crate) exit_code: bool,
    #[command(flatten)]
    pub(crate) run: RunArgs,
    #[command(flatten)]
    pub(crate) findings: FindingArgs,
}

/// Prints the diff on stdout; exits 0 whether or not there are differences unless
/// `--exit-code` (`zat build --check` also fails on drift).
pub(crate) fn run(args: &Args) -> Exit {
    if let Err(exit) = args.findings.require(false, "diff") {
        return exit;
    }
    let json = args.findings.format == Format::Json;
    // Each file is compared with the one on disk as it renders, and only the patches stay.
    let comparer = match comparer(Some(&args.output), Some(&patch)) {
        Ok(comparer) => comparer,
        Err(exit) => return exit,
    };
    let rendered = match compare_bundle(&args.script, &args.run, &args.findings, comparer) {
        Ok(rendered) => rendered,
        Err((exit, diagnostics)) => {
            if json {
                let document = DiffOutput {
                    output: args.output.display().to_string(),
                    changes: Vec::new(),
                    diagnostics,
                };
                let written = output::write_json(&document);
                if written == Exit::Failure {
                    return written;
                }
            }
            return exit;
        }
    };
    let changes: Vec<Change> = rendered
        .compared
        .differences
        .into_iter()
        .map(|d| Change {
            change: match d.kind {
                DriftKind::Added => ChangeKind::Added,
                DriftKind::Removed => ChangeKind::Removed,
                DriftKind::Changed => ChangeKind::Changed,
            },
            patch: d.patch.unwrap_or_default(),
            path: d.path,
        })
        .collect();
    let changed = !changes.is_empty();
    let exit = if changed && args.exit_code { Exit::InputErrors } else { Exit::Ok };
    if json {
        let document = DiffOutput {
            output: args.output.display().to_string(),
            changes,
            diagnostics: rendered.diagnostics,
        };
        let written = output::write_json(&document);
        return if written == Exit::Ok { exit } else { written };
    }
    if !changed {
        report::success(&format!("{} is up to date", args.output.display()));
        return exit;
    }
    let text: String = changes.iter().map(|c| c.patch.as_str()).collect();
    let written = common::write_stdout(&text);
    report::success(&format!("{} files of {} would change", changes.len(), args.output.display()));
    if written == Exit::Ok { exit } else { written }
}

/// The patch of one path: a unified diff of the bytes on disk (as `read_tree` gives them) and
/// the new bytes, `/dev/null` for the side that has no file; `before` lines of both came
/// before those bytes (the manifest's shared start), and the hunks are numbered with them.
fn patch(path: &str, old: Option<&[u8]>, new: Option<&[u8]>, before: usize) -> String {
    let old_name = if old.is_some() { format!("a/{path}") } else { "/dev/null".to_owned() };
    let new_name = if new.is_some() { format!("b/{path}") } else { "/dev/null".to_owned() };
    let mut patch = format!("diff a/{path} b/{path}\n");
    // A link or a FIFO in the bundle is described, never read through (`read_tree`).
    if let Some(what) = old.and_then(zat_core::special_entry) {
        let verdict = if new.is_some() { "a regular file" } else { "nothing" };
        patch.push_str(&format!("a/{path} is a {what}; zat build would put {verdict} there\n"));
    } else {
        let old_text = String::from_utf8_lossy(old.unwrap_or_default());
        let new_text = String::from_utf8_lossy(new.unwrap_or_default());
        patch.push_str(&unified(&old_text, &new_text, &old_name, &new_name, before));
    }
    patch
}

/// Lines of context around each change.
const CONTEXT: usize = 3;

/// The unified diff of two texts that `before` shared lines precede. The whole lines both
/// share at the start and at the end (beyond the context) are left out of the comparison and
/// the hunks are numbered as in the whole texts: a manifest of 60,000 files with one changed
/// entry is compared as a few lines, not as two million.
fn unified(old: &str, new: &str, old_name: &str, new_name: &str, before: usize) -> String {
    let (skipped, old_middle, new_middle) = middle(old, new);
    let skipped = skipped + before;
    let diff = TextDiff::from_lines(old_middle, new_middle);
    let text = diff.unified_diff().context_radius(CONTEXT).header(old_name, new_name).to_string();
    if skipped == 0 {
        return text;
    }
    text.split_inclusive('\n').map(|line| shift_hunk(line, skipped)).collect()
}

/// The parts of `old` and `new` that differ, with up to [`CONTEXT`] shared lines on either
/// side, and how many lines come before them; both parts start and end on line boundaries.
fn middle<'a>(old: &'a str, new: &'a str) -> (usize, &'a str, &'a str) {
    // Bytes throughout: a cut is only ever made after a line break, a character boundary.
    let (o, n) = (old.as_bytes(), new.as_bytes());
    let after_break = |text: &[u8], at: usize| at == 0 || text[at - 1] == b'\n';
    let line_start =
        |text: &[u8], at: usize| text[..at].iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    // The first line that differs.
    let same = o.iter().zip(n).take_while(|(a, b)| a == b).count();
    let first = line_start(o, same);
    // The shared tail after it, in whole lines of both texts.
    let (old_rest, new_rest) = (&o[first..], &n[first..]);
    let mut tail =
        old_rest.iter().rev().zip(new_rest.iter().rev()).take_while(|(a, b)| a == b).count();
    if !(after_break(old_rest, old_rest.len() - tail)
        && after_break(new_rest, new_rest.len() - tail))
    {
        let shared = &old_rest[old_rest.len() - tail..];
        tail = shared.iter().position(|b| *b == b'\n').map_or(0, |i| tail - i - 1);
    }
    // Context: back from the first line, on into the tail.
    let mut start = first;
    for _ in 0..CONTEXT {
        if start == 0 {
            break;
        }
        start = line_start(o, start - 1);
    }
    let mut kept = 0;
    for _ in 0..CONTEXT {
        let shared = &old_rest[old_rest.len() - tail + kept..];
        if shared.is_empty() {
            break;
        }
        // The last line may have no line break.
        kept += shared.iter().position(|b| *b == b'\n').map_or(shared.len(), |i| i + 1);
    }
    let skipped = o[..start].iter().filter(|b| **b == b'\n').count();
    let (old_end, new_end) = (o.len() - tail + kept, n.len() - tail + kept);
    (skipped, &old[start..old_end], &new[start..new_end])
}

/// A hunk header of a diff of the middle parts, numbered as in the whole texts; any other
/// line as it is.
fn shift_hunk(line: &str, skipped: usize) -> String {
    let shifted = (|| {
        let rest = line.strip_prefix("@@ -")?;
        let (ranges, tail) = rest.split_once(" @@")?;
        let (old, new) = ranges.split_once(" +")?;
        let shift = |range: &str| -> Option<String> {
            let (start, count) = match range.split_once(',') {
                Some((start, count)) => (start, Some(count)),
                None => (range, None),
            };
            let start: usize = start.parse().ok()?;
            let start = start + skipped;
            Some(count.map_or_else(|| start.to_string(), |count| format!("{start},{count}")))
        };
        Some(format!("@@ -{} +{} @@{tail}", shift(old)?, shift(new)?))
    })();
    shifted.unwrap_or_else(|| line.to_owned())
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    /// What `unified` gives without leaving anything out.
    fn whole(old: &str, new: &str) -> String {
        TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(CONTEXT)
            .header("a", "b")
            .to_string()
    }

    /// Texts from a few short lines, so that shared and repeated lines are common.
    fn texts(seed: u64) -> (String, String) {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1);
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let words = ["a", "b", "é", "è", "}", "", "x y"];
        let mut old: Vec<String> = Vec::new();
        for _ in 0..next(40) {
            old.push(words[usize::try_from(next(7)).unwrap_or(0)].to_owned());
        }
        let mut new = old.clone();
        for _ in 0..next(4) {
            let at = usize::try_from(next(new.len() as u64 + 1)).unwrap_or(0);
            match next(3) {
                0 if at < new.len() => {
                    new.remove(at);
                }
                1 if at < new.len() => new[at] = "changed".to_owned(),
                _ => new.insert(at, "inserted".to_owned()),
            }
        }
        let join = |lines: &[String], end: bool| {
            let text = lines.join("\n");
            if end && !text.is_empty() { text + "\n" } else { text }
        };
        (join(&old, next(4) != 0), join(&new, next(4) != 0))
    }

    #[test]
    fn leaving_the_shared_lines_out_gives_the_diff_of_the_whole_texts() {
        for seed in 0..3000 {
            let (old, new) = texts(seed);
            assert_eq!(unified(&old, &new, "a", "b", 0), whole(&old, &new), "{old:?} -> {new:?}");
        }
    }

    /// What `zat diff` does with the manifest: the part of the two texts that differs, read in
    /// pieces by `zat_core::trim_shared`, gives the diff of the whole texts once numbered from
    /// the lines before it.
    #[test]
    fn the_part_that_differs_gives_the_diff_of_the_whole_texts() {
        let trimmed = |old: &str, new: &str| {
            let (mut old, mut new) = (Cursor::new(old.as_bytes()), Cursor::new(new.as_bytes()));
            zat_core::trim_shared(&mut old, &mut new).expect("in memory")
        };
        let part = |t: &zat_core::Trimmed| {
            let text = |b: &[u8]| String::from_utf8(b.to_vec()).expect("cut between lines");
            unified(&text(&t.old), &text(&t.new), "a", "b", t.skipped)
        };
        for seed in 0..3000 {
            let (old, new) = texts(seed);
            match trimmed(&old, &new) {
                None => assert_eq!(old, new),
                Some(t) => assert_eq!(part(&t), whole(&old, &new), "{old:?} -> {new:?}"),
            }
        }
        // Long texts, read in several pieces, changed at the start, the middle and the end.
        let old: String = (0..30_000).map(|i| format!("line {i}\n")).collect();
        for at in ["line 0\n", "line 15000\n", "line 29999\n"] {
            let new = old.replace(at, "changed\n");
            let t = trimmed(&old, &new).expect("differs");
            assert!(t.old.len() < 500, "{} bytes kept", t.old.len());
            assert_eq!(part(&t), whole(&old, &new), "{at}");
        }
        let longer = old.clone() + "one more\n";
        assert_eq!(part(&trimmed(&old, &longer).expect("differs")), whole(&old, &longer));
    }

    #[test]
    fn a_change_deep_in_a_long_text_is_numbered_as_in_the_whole_text() {
        let old: String = (0..10_000).map(|i| format!("line {i}\n")).collect();
        let new = old.replace("line 7000\n", "line 7000 changed\n");
        let patch = unified(&old, &new, "a", "b", 0);
        assert!(patch.contains("@@ -6998,7 +6998,7 @@"), "{patch}");
        assert_eq!(patch, whole(&old, &new));
    }
}
