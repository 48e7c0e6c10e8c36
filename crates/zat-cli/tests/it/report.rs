//! `zat report`: the fleet page of scripts/fleet.rhai holds every LPAR, connection, rule and
//! certificate, loads nothing from the network, and opens in headless Chromium (the
//! distribution's package) without a console message.

use std::path::Path;
use std::process::Command;

use crate::{repo, zat_in};

/// The Chromium of the distribution (`apt-get install chromium`; CI installs it).
fn chromium() -> String {
    for name in ["chromium", "chromium-browser"] {
        if Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success()) {
            return name.to_owned();
        }
    }
    panic!("the report test needs Chromium: apt-get install chromium (.ci/run does)");
}

/// Opens `page` in headless Chromium; returns the DOM after its scripts ran and every console
/// message it logged.
fn open_in_chromium(page: &Path) -> (String, Vec<String>) {
    let profile = tempfile::tempdir().expect("profile dir");
    let output = Command::new(chromium())
        .args(["--headless", "--disable-gpu", "--no-sandbox", "--enable-logging=stderr", "--v=0"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let console = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| line.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect();
    (String::from_utf8_lossy(&output.stdout).into_owned(), console)
}

#[test]
fn the_fleet_report_shows_the_fleet_and_loads_without_console_errors() {
    let work = tempfile::tempdir().expect("temp dir");
    let page = work.path().join("report.html");
    let script = repo().join("scripts/fleet.rhai");
    zat_in(
        work.path(),
        &["report", &script.to_string_lossy(), "-o", "report.html", "--today", "2030-03-01"],
    )
    .expect_code(0);
    let html = std::fs::read_to_string(&page).expect("report written");
    for needle in [
        "Fleet MYCOM",
        "SYS1",
        "SYS2",
        "SYS3",
        "TCPAPP",
        "PAYROLL_OUT",
        "ORDERS_OUT",
        "APIR-KEYRING",
        "zcee1.mycom.com:9080",
        "MODERN (TLS 1.3, TLS 1.2)",
        "ZCEE1-SERVER",
        "expiry counted from 2030-03-01",
    ] {
        assert!(html.contains(needle), "the report lacks {needle}");
    }
    // Four certificates end on 2030-12-31: 305 days after 2030-03-01, so within 365 days.
    assert!(html.contains("<b>4</b>within 365 days"), "expiry calendar");
    assert!(html.contains(">305 days<"), "days left");
    // Self-contained: nothing is fetched from anywhere.
    for attribute in ["src=\"http", "href=\"http", "src=\"//", "href=\"//", "@import", "url("] {
        assert!(!html.contains(attribute), "the report loads {attribute}");
    }

    let (dom, console) = open_in_chromium(&page);
    assert!(console.is_empty(), "console messages: {console:#?}");
    assert!(dom.contains("data-ready=\"yes\""), "the page's script ran to its end");
    assert!(dom.contains("PAYROLL_OUT"), "{dom}");
}

/// The console check can fail: a page with a script error is caught.
#[test]
fn the_browser_check_sees_a_script_error() {
    let work = tempfile::tempdir().expect("temp dir");
    let page = work.path().join("broken.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><script>missingFunction();</script></body></html>",
    )
    .expect("write page");
    let (_, console) = open_in_chromium(&page);
    assert!(
        console.iter().any(|line| line.contains("missingFunction")),
        "the error was not seen: {console:#?}"
    );
}

/// A requester calls its server on the port its CEEOPTS give as BAQPORT: the server's HTTPS
/// port when no inbound AT-TLS policy does TLS in front of the HTTP port, as in this example.
#[test]
fn a_connection_shows_the_port_its_requester_calls() {
    let work = tempfile::tempdir().expect("temp dir");
    let script = repo().join("examples/zos-connect-requester/fleet.rhai");
    let script = script.to_string_lossy();
    zat_in(work.path(), &["build", &script, "-o", "bundle"]).expect_code(0);
    let ceeopts =
        std::fs::read_to_string(work.path().join("bundle/lpars/SYSA/apps/ZCEEAPP.ceeopts"))
            .expect("the requester's CEEOPTS");
    let value = |name: &str| {
        let start = ceeopts.find(&format!("{name}=")).expect(name) + name.len() + 1;
        let rest = &ceeopts[start..];
        rest[..rest.find('"').expect("closing quote")].to_owned()
    };
    let (host, port) = (value("BAQURI"), value("BAQPORT"));
    assert_eq!(port, "9443", "the example's server has no inbound AT-TLS:\n{ceeopts}");
    zat_in(work.path(), &["report", &script, "-o", "report.html", "--today", "2030-01-01"])
        .expect_code(0);
    let html = std::fs::read_to_string(work.path().join("report.html")).expect("report");
    assert!(html.contains(&format!("<code>{host}:{port}</code>")), "the page lacks {host}:{port}");
    assert!(!html.contains(&format!("{host}:9080")), "the page shows the HTTP port");
}

/// An expired certificate is an error of the fleet (ZAT0163), so the report exits 1, but it
/// writes the page, with the certificate in the expired band and the days since it ended.
#[test]
fn a_fleet_with_expired_certificates_gets_a_page_that_lists_them() {
    let work = tempfile::tempdir().expect("temp dir");
    let script = repo().join("scripts/fleet.rhai");
    let out = zat_in(
        work.path(),
        &["report", &script.to_string_lossy(), "-o", "report.html", "--today", "2031-01-02"],
    );
    out.expect_code(1).stderr_has("ZAT0163");
    assert!(!out.stderr.contains("cannot lay out"), "{}", out.stderr);
    let html = std::fs::read_to_string(work.path().join("report.html")).expect("report written");
    // Four certificates end on 2030-12-31, two days before 2031-01-02.
    assert!(html.contains("<b>4</b>certificates expired"), "expiry calendar");
    // The expired ones are not also counted as ending soon.
    let soon = |card: &str| {
        let end = html.find(card).expect(card);
        let start = html[..end].rfind("<b>").expect("count");
        html[start + 3..end].trim_end_matches("</b>").parse::<usize>().expect("a number")
    };
    // Each card counts the rows of its band and the nearer ones, the expired band aside.
    let rows = |band: &str| html.matches(&format!("<span class=\"tag {band}\">")).count();
    assert_eq!(rows("expired"), 4);
    assert_eq!(soon("expire within 30 days"), rows("d30"));
    assert_eq!(soon("within 90 days"), rows("d30") + rows("d90"));
    assert_eq!(soon("within 365 days"), rows("d30") + rows("d90") + rows("d365"));
    let expired =
        "<td>2030-12-31</td><td><span class=\"tag expired\">expired 2 days ago</span></td>";
    assert_eq!(html.matches(expired).count(), 4, "rows in the expired band");
    assert!(html.contains(&format!("{expired}<td><b>ZCEE1-SERVER</b></td>")), "ZCEE1-SERVER");
}

#[test]
fn a_bad_date_is_a_usage_error() {
    let script = repo().join("scripts/fleet.rhai");
    let out = zat_in(&repo(), &["report", &script.to_string_lossy(), "--today", "2030-02-30"]);
    out.expect_code(2);
    assert!(out.stderr.contains("is not a date"), "{}", out.stderr);
}

#[test]
fn the_report_lists_diagnostics_unless_allowed() {
    let work = tempfile::tempdir().expect("temp dir");
    let script = repo().join("examples/zos-connect-requester/fleet.rhai");
    let script = script.to_string_lossy();
    zat_in(work.path(), &["report", &script, "-o", "a.html", "--today", "2030-01-01"])
        .expect_code(0);
    let html = std::fs::read_to_string(work.path().join("a.html")).expect("report");
    assert!(html.contains("ZAT0342"), "the warning is listed");
    zat_in(
        work.path(),
        &["report", &script, "-o", "b.html", "--allow", "ZAT0342", "--allow", "ZAT0347"],
    )
    .expect_code(0);
    let html = std::fs::read_to_string(work.path().join("b.html")).expect("report");
    assert!(
        !html.contains("ZAT0342") && html.contains("No diagnostics"),
        "an allowed warning is not"
    );
}

/// The page goes into a new file that replaces the report only when whole: a report that
/// cannot be put in place leaves nothing behind, and a new one replaces the old at once.
#[test]
fn a_report_that_cannot_be_put_in_place_leaves_no_file_and_a_new_one_replaces_the_old() {
    let work = tempfile::tempdir().expect("temp dir");
    let script = repo().join("scripts/fleet.rhai");
    let script = script.to_string_lossy();
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(work.path())
            .expect("list")
            .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    // A folder where the page should go: the new page cannot take its place.
    std::fs::create_dir(work.path().join("taken.html")).expect("folder");
    let out = zat_in(work.path(), &["report", &script, "-o", "taken.html"]);
    out.expect_code(2).stderr_has("taken.html exists and is not a regular file");
    assert_eq!(listing(), ["taken.html"], "no half-written page is left");
    // A new page gets the permissions any new file gets (the umask's), not a temporary file's.
    zat_in(work.path(), &["report", &script, "-o", "new.html"]).expect_code(0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::write(work.path().join("plain.txt"), "any file").expect("a plain file");
        let mode = |name: &str| {
            std::fs::metadata(work.path().join(name)).expect("a file").permissions().mode()
        };
        assert_eq!(mode("new.html") & 0o777, mode("plain.txt") & 0o777);
        std::fs::remove_file(work.path().join("plain.txt")).expect("remove");
    }
    std::fs::remove_file(work.path().join("new.html")).expect("remove");
    // An old page is replaced by a whole new one, which keeps its permissions.
    let old = work.path().join("report.html");
    zat_in(work.path(), &["report", &script, "--today", "2030-01-01"]).expect_code(0);
    let before = std::fs::read_to_string(&old).expect("old page");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    }
    zat_in(work.path(), &["report", &script, "--today", "2030-03-01"]).expect_code(0);
    let html = std::fs::read_to_string(&old).expect("report");
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert_ne!(html, before, "the page of another day replaced the old one");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&old).expect("page").permissions();
        assert_eq!(mode.mode() & 0o777, 0o640);
    }
    assert_eq!(listing(), ["report.html", "taken.html"]);
}

/// The page replaces only an earlier page: the fleet script named by mistake, any other file,
/// a link, a FIFO or a device is refused before any work, and left as it was.
#[test]
fn the_report_never_replaces_what_it_did_not_write() {
    let work = tempfile::tempdir().expect("temp dir");
    let script = work.path().join("fleet.rhai");
    std::fs::copy(repo().join("scripts/fleet.rhai"), &script).expect("copy the script");
    let text = std::fs::read_to_string(&script).expect("script");
    std::fs::write(work.path().join("notes.html"), "<p>my notes</p>").expect("a user's page");
    std::os::unix::fs::symlink("notes.html", work.path().join("link.html")).expect("link");
    let fifo = work.path().join("pipe.html");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    for (output, says) in [
        ("fleet.rhai", "is not a page zat report wrote"),
        ("notes.html", "is not a page zat report wrote"),
        ("link.html", "is a symbolic link"),
        ("pipe.html", "is not a regular file"),
    ] {
        let out = zat_in(work.path(), &["report", "fleet.rhai", "-o", output]);
        out.expect_code(2).stderr_has(says);
    }
    assert_eq!(std::fs::read_to_string(&script).expect("script"), text);
    let notes = std::fs::read_to_string(work.path().join("notes.html")).expect("notes");
    assert_eq!(notes, "<p>my notes</p>");
    let link = std::fs::symlink_metadata(work.path().join("link.html")).expect("link");
    assert!(link.file_type().is_symlink());
    let fifo = std::fs::symlink_metadata(&fifo).expect("fifo");
    assert!(std::os::unix::fs::FileTypeExt::is_fifo(&fifo.file_type()));
}

/// A clear-text rule compared first takes the requester's connection (ZAT0320): the page
/// does not name the requester's own rule as the one that protects it, and shows the
/// clear-text rule without a TLS level.
#[test]
fn the_report_does_not_name_a_rule_the_connection_never_reaches() {
    let work = tempfile::tempdir().expect("temp dir");
    let example = repo().join("examples/zos-connect-requester/fleet.rhai");
    let mut text = std::fs::read_to_string(&example).expect("example");
    text.push_str(
        "\ntcpip.rule(\"ZZCLEAR\", #{ direction: \"outbound\", remote_port: 9443, priority: 2000000000, enabled: false });\n",
    );
    let script = work.path().join("fleet.rhai");
    std::fs::write(&script, text).expect("script");
    let out = zat_in(work.path(), &["report", "fleet.rhai", "-o", "report.html"]);
    out.expect_code(1).stderr_has("ZAT0320");
    let html = std::fs::read_to_string(work.path().join("report.html")).expect("report");
    let row = |name: &str| {
        let at = html.find(&format!("<code>{name}</code>")).expect(name);
        let end = at + html[at..].find("</tr>").expect("row end");
        html[html[..at].rfind("<tr>").expect("row start")..end].to_owned()
    };
    assert!(row("ZCEEAPP_OUT").contains("not reached: ZAT0320"), "{}", row("ZCEEAPP_OUT"));
    let clear = row("ZZCLEAR");
    assert!(clear.contains("none (clear text)") && !clear.contains("TLS 1.2"), "{clear}");
    assert!(!clear.contains("not reached"), "{clear}");
}
