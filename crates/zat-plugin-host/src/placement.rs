//! The placements of a plugin's answer, checked against what docs/plugins.md documents before
//! any of them reaches the manifest or the deploy scripts.
//!
//! A placement is data a plugin makes up, and the deploy scripts act on it on z/OS (they
//! upload to its path, `chmod` to its mode, copy into its data set): a mode of
//! `0644 /dev/null; rm -rf $HOME; echo` is no permission bits. So every field has the shape
//! the contract gives it, or the whole answer is refused as that plugin's failure. Quoting in
//! the scripts is the second line; this is the first, and it holds for any script a later
//! emitter writes from the manifest.

use zat_plugin_api::RenderResponse;
use zat_plugin_api::model::{Destination, Placement};

/// The longest z/OS UNIX path (`PATH_MAX` on z/OS UNIX).
const LONGEST: usize = 1023;

/// The longest instruction line: room for a path of [`LONGEST`] bytes and the words around it.
const LONGEST_INSTRUCTIONS: usize = 2048;

/// The first file of `response` whose placement is refused, with why, and how many other
/// files have a refused placement.
pub(crate) fn refused_placement(response: &RenderResponse) -> Option<(String, String, usize)> {
    let mut refused = response.files.iter().filter_map(|file| {
        let placement = file.placement.as_ref()?;
        placement_problem(placement).map(|problem| (file.path.clone(), problem))
    });
    let (path, problem) = refused.next()?;
    Some((path, problem, refused.count()))
}

/// Why `placement` breaks the documented shape, if it does:
/// - `uss_file`: `path` is an absolute z/OS UNIX path of at most 1023 bytes, of code page
///   1047 safe characters without blanks (the rule the model holds the script's paths to,
///   so a path a built-in emitter derives from the script always passes); `mode` is three
///   or four octal digits (`0644`);
/// - `pds_member`: `dataset` is a data set name without a member, `member` a member name
///   (1-8 of A-Z 0-9 @ # $, not starting with a digit);
/// - `manual`: `instructions` is one line of at most 2048 bytes, with no control or
///   bidirectional formatting character;
/// - every kind: `code_page` is a code page name, 1-32 of A-Z a-z 0-9 `-` `_`.
pub(crate) fn placement_problem(placement: &Placement) -> Option<String> {
    let problem = match &placement.destination {
        Destination::UssFile { path, mode } => {
            uss_path_problem(path).or_else(|| mode_problem(mode).map(|why| format!("mode {why}")))
        }
        Destination::PdsMember { dataset, member } => {
            if dataset.contains('(') {
                Some(format!(
                    "data set {} names a member; give the member in `member`",
                    shown(dataset)
                ))
            } else if let Some(why) = zat_zos::dsn_problem(dataset) {
                Some(format!("data set {} is not a data set name: {why}", shown(dataset)))
            } else if !zat_zos::is_valid_name(member) {
                Some(format!(
                    "member {} is not a member name (1-8 of A-Z 0-9 @ # $, not starting with a digit)",
                    shown(member)
                ))
            } else {
                None
            }
        }
        Destination::Job => None,
        Destination::Manual { instructions } => {
            if instructions.chars().any(|c| c.is_control() || crate::plugin::is_bidi_control(c)) {
                Some("the instructions hold a control or bidirectional formatting character (they are one line of text)".to_owned())
            } else if instructions.len() > LONGEST_INSTRUCTIONS {
                Some(format!("the instructions are longer than {LONGEST_INSTRUCTIONS} bytes"))
            } else {
                None
            }
        }
    };
    problem.or_else(|| code_page_problem(&placement.code_page))
}

fn uss_path_problem(path: &str) -> Option<String> {
    let why = if !path.starts_with('/') {
        "is not absolute"
    } else if path.len() > LONGEST {
        "is longer than 1023 bytes"
    } else if path.chars().any(|c| c == ' ' || !zat_zos::is_safe_char(c)) {
        "holds a blank, a control character or a character outside the code page 1047 safe set (printable ASCII without [ ] { } | ! ^ ~ \\ and backtick)"
    } else {
        return None;
    };
    Some(format!("path {} {why}; it must be an absolute z/OS UNIX path", shown(path)))
}

/// Why `mode` is not permission bits in octal, as the end of a sentence about it.
fn mode_problem(mode: &str) -> Option<String> {
    (!zat_plugin_api::model::is_permission_bits(mode)).then(|| {
        format!("{} is not permission bits: three or four octal digits, such as 0644", shown(mode))
    })
}

fn code_page_problem(code_page: &str) -> Option<String> {
    let fine = (1..=32).contains(&code_page.len())
        && code_page.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    (!fine).then(|| {
        format!(
            "code page {} is not a code page name (1-32 of A-Z a-z 0-9 - _, such as IBM-1047)",
            shown(code_page)
        )
    })
}

/// A value from a plugin as it may be shown: quoted, with escapes for what would not print,
/// and cut at 80 characters (the value is refused; the start says which it is).
fn shown(value: &str) -> String {
    let cut: String = value.chars().take(80).collect();
    if cut.len() < value.len() { format!("{cut:?}…") } else { format!("{cut:?}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zat_plugin_api::model::Transfer;

    fn uss(path: &str, mode: &str) -> Placement {
        Placement::uss_text(path, mode)
    }

    /// Every field of every kind, with the values the built-in emitters write and the values
    /// a hostile plugin could send to the deploy scripts.
    #[test]
    fn placements_have_the_documented_shape() {
        let fine = [
            uss("/etc/pagent/TCPIP.policy", "0644"),
            uss("/u/zat/x#1@$.conf", "755"),
            Placement::member_text("SYS1.TCPPARMS", "TPABC"),
            Placement::member_text("A.B", "#1"),
            Placement::job(),
            Placement::manual_text("merge these lines into /etc/syslog.conf"),
            Placement::manual_utf8("include from the server.xml of z/OS Connect server ZC1"),
        ];
        for placement in &fine {
            assert_eq!(placement_problem(placement), None, "{placement:?}");
        }
        let refused = [
            (uss("/etc/x", "0644 /dev/null; rm -rf $HOME; echo"), "not permission bits"),
            (uss("/etc/x", "rwxr-xr-x"), "not permission bits"),
            (uss("/etc/x", "0648"), "not permission bits"),
            (uss("/etc/x", "06440"), "not permission bits"),
            (uss("/etc/x", ""), "not permission bits"),
            (uss("etc/x", "0644"), "is not absolute"),
            (uss("", "0644"), "is not absolute"),
            (uss("/etc/x;rm -rf ~", "0644"), "holds a blank"),
            (uss("/etc/{x}", "0644"), "outside the code page 1047 safe set"),
            (uss("/etc/x\n/y", "0644"), "control character"),
            (uss("/etc/\u{202E}x", "0644"), "control character"),
            (uss(&format!("/{}", "a".repeat(1100)), "0644"), "longer than 1023"),
            (Placement::member_text("SYS1.TCPPARMS(X)", "TPABC"), "names a member"),
            (Placement::member_text("sys1.tcpparms", "TPABC"), "not a data set name"),
            (Placement::member_text("SYS1..X", "TPABC"), "not a data set name"),
            (Placement::member_text("SYS1.TCPPARMS", "TP ABC"), "not a member name"),
            (Placement::member_text("SYS1.TCPPARMS", "TOOLONGNAME"), "not a member name"),
            (Placement::member_text("SYS1.TCPPARMS", "1AB"), "not a member name"),
            (Placement::member_text("SYS1.TCPPARMS", ""), "not a member name"),
            (Placement::manual_text("line one\nline two"), "control"),
            (Placement::manual_text("a\u{1b}[2J"), "control"),
            (Placement::manual_text("x".repeat(2049)), "longer than 2048"),
            (
                Placement {
                    code_page: "IBM-1047; rm -rf /".to_owned(),
                    ..Placement::member_text("A.B", "C")
                },
                "not a code page name",
            ),
            (
                Placement {
                    code_page: String::new(),
                    transfer: Transfer::Binary,
                    ..Placement::job()
                },
                "not a code page name",
            ),
        ];
        for (placement, expected) in &refused {
            let problem = placement_problem(placement).unwrap_or_default();
            assert!(problem.contains(expected), "{placement:?}: {problem:?}");
        }
    }

    #[test]
    fn the_first_refused_placement_is_named_and_the_others_counted() {
        let file = |path: &str, placement: Option<Placement>| zat_plugin_api::OutputFile {
            path: path.to_owned(),
            content: String::new(),
            target: None,
            placement,
        };
        let mut response = RenderResponse::default();
        response.files.push(file("a", Some(uss("/etc/a", "0644"))));
        response.files.push(file("b", None));
        assert_eq!(refused_placement(&response), None);
        response.files.push(file("c", Some(uss("/etc/c", "0644; id"))));
        response.files.push(file("d", Some(uss("relative", "0644"))));
        let (path, problem, more) = refused_placement(&response).expect("refused");
        assert_eq!((path.as_str(), more), ("c", 1));
        assert!(problem.contains("\"0644; id\" is not permission bits"), "{problem}");
    }
}
