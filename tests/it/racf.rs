//! The real fleet scripts through the RACF emitter: snapshots of every job, each scanned for
//! what z/OS rejects, and the seed page's commands found in the example's job.

use zat_emit_racf::RacfEmitter;
use zat_zos::{self as zos, CheckOptions, TextKind};

use crate::support::{SCRIPTS, render, request};

#[test]
fn racf_jobs_of_every_script() {
    for (name, script) in SCRIPTS {
        let response = render::<RacfEmitter>(&request(script));
        assert!(
            response.diagnostics.iter().all(|d| !d.is_error()),
            "{script}: {:#?}",
            response.diagnostics
        );
        assert!(response.files.iter().any(|f| f.path.ends_with("SETUP.jcl")), "{script}");
        for file in &response.files {
            // The job order file is read by people, not submitted.
            if file.path.ends_with(".jcl") {
                let findings = zos::check(&file.content, TextKind::Job, &CheckOptions::default());
                assert!(findings.is_empty(), "{script} {}: {findings:#?}", file.path);
            }
            insta::assert_snapshot!(
                format!("{name}__{}", file.path.replace('/', "__")),
                file.content
            );
        }
    }
}

#[test]
fn example_setup_job_carries_the_seed_commands() {
    let response = render::<RacfEmitter>(&request(SCRIPTS[0].1));
    let setup = response
        .files
        .iter()
        .find(|f| f.path.ends_with("SETUP.jcl"))
        .expect("a SETUP job for the example's database");
    let commands: Vec<String> =
        zos::tso_commands(&setup.content).into_iter().map(|c| c.text).collect();
    let has = |parts: &[&str]| commands.iter().any(|c| parts.iter().all(|p| c.contains(p)));
    assert!(has(&["ADDRING(ZOSCONN-APIR-KEYRING)", "ID(OMVSADM)"]), "{commands:#?}");
    assert!(
        has(&["CERTAUTH", "GENCERT", "WITHLABEL('IMSCA')", "KEYUSAGE(CERTSIGN)"]),
        "{commands:#?}"
    );
    assert!(has(&["CERTAUTH", "EXPORT(LABEL('IMSCA'))"]), "{commands:#?}");
    assert!(
        has(&[
            "GENCERT",
            "WITHLABEL('ZOSCONNCERT')",
            "SIGNWITH(CERTAUTH LABEL('IMSCA'))",
            "SIZE(2048)"
        ]),
        "{commands:#?}"
    );
    assert!(has(&["CONNECT(", "LABEL('IMSCA')", "RING(ZOSCONN-APIR-KEYRING)"]), "{commands:#?}");
    assert!(
        has(&["CONNECT(", "LABEL('ZOSCONNCERT')", "RING(ZOSCONN-APIR-KEYRING)", "DEFAULT"]),
        "{commands:#?}"
    );
    assert!(has(&["RDEFINE", "FACILITY", "IRR.DIGTCERT.LISTRING"]), "{commands:#?}");
    assert!(has(&["PERMIT", "IRR.DIGTCERT.LIST ", "ID(OMVSADM)"]), "{commands:#?}");
    assert!(has(&["SETROPTS", "REFRESH"]), "{commands:#?}");
    assert!(commands.iter().all(|c| !c.contains("RDELETE")), "never RDELETE a site profile");
}
