//! Properties every generated file must have: whitelisted canonical keywords, a stable
//! round trip through the parser, names within 32 characters, z/OS-safe text, and the seed's
//! BAQPORT rule.

use std::collections::BTreeSet;

use zat_plugin_api::model::{Fleet, PortRange};
use zat_plugin_api::{RenderResponse, layout};
use zat_policy::{Entry, Statement, keywords, parse, print};

use crate::{file, fixtures, policies, render};

/// Checks a statement and everything nested in it against the whitelist, in canonical spelling.
fn check_keywords(statement: &Statement, path: &str) {
    assert_eq!(
        keywords::canonical_statement(&statement.keyword),
        Some(statement.keyword.as_str()),
        "{path}: statement {}",
        statement.keyword
    );
    for entry in statement.entries() {
        let keyword = match entry {
            Entry::Attribute(a) => &a.keyword,
            Entry::Statement(s) => &s.keyword,
        };
        assert_eq!(
            keywords::canonical(&statement.keyword, keyword),
            Some(keyword.as_str()),
            "{path}: {keyword} in {}",
            statement.keyword
        );
        if let Entry::Statement(inner) = entry {
            assert!(keywords::is_inline(&statement.keyword, &inner.keyword));
            check_keywords(inner, path);
        }
    }
}

fn all_responses() -> Vec<(&'static str, Fleet, RenderResponse)> {
    fixtures()
        .into_iter()
        .map(|(name, fleet)| {
            let response = render(&fleet);
            (name, fleet, response)
        })
        .collect()
}

#[test]
fn every_keyword_is_whitelisted_and_canonical() {
    for (_, _, response) in all_responses() {
        for file in &response.files {
            let (statements, diagnostics) = parse(&file.content);
            assert!(diagnostics.is_empty(), "{}: {diagnostics:#?}", file.path);
            assert!(!statements.is_empty(), "{}", file.path);
            for statement in &statements {
                check_keywords(statement, &file.path);
            }
        }
    }
}

#[test]
fn files_go_in_the_right_kind_of_file() {
    for (_, _, response) in all_responses() {
        for file in &response.files {
            let expected = if file.path.ends_with("pagent.conf") {
                keywords::FileKind::Main
            } else if file.path.ends_with(".image") {
                keywords::FileKind::Image
            } else {
                keywords::FileKind::Policy
            };
            for statement in parse(&file.content).0 {
                assert_eq!(
                    keywords::file_kind(&statement.keyword),
                    Some(expected),
                    "{}",
                    file.path
                );
            }
        }
    }
}

#[test]
fn printing_the_parsed_files_gives_the_same_text() {
    for (_, _, response) in all_responses() {
        for file in &response.files {
            let (statements, _) = parse(&file.content);
            let body = file.content.split_once("\n\n").map(|(_, body)| body).unwrap_or("");
            // The header becomes the first statement's comments; the rest prints byte for byte.
            let reprinted = print(&statements);
            assert!(reprinted.ends_with(body), "{}:\n{reprinted}", file.path);
        }
    }
}

/// The value of `keyword` in a statement, as printed.
fn value(statement: &Statement, keyword: &str) -> Option<String> {
    statement.attribute(keyword).map(|a| a.value())
}

#[test]
fn parsed_policy_gives_back_the_rules() {
    for (name, fleet, response) in all_responses() {
        for lpar in &fleet.lpars {
            for stack in lpar.stacks.iter().filter(|s| s.ttls) {
                let policy = file(&response, &layout::pagent_policy(&lpar.name, &stack.name));
                let (statements, _) = parse(&policy.content);
                let named = |kind: &str, name: &str| {
                    statements
                        .iter()
                        .find(|s| s.is(kind) && s.name.as_deref() == Some(name))
                        .unwrap_or_else(|| panic!("{name}: no {kind} {name}"))
                        .clone()
                };
                let parsed_rules: Vec<&Statement> =
                    statements.iter().filter(|s| s.is("TTLSRule")).collect();
                assert_eq!(parsed_rules.len(), stack.rules.len(), "{name} {}", stack.name);
                for rule in &stack.rules {
                    let parsed = named("TTLSRule", &rule.name);
                    let port = |p: &Option<PortRange>| p.map(|p| p.to_string());
                    assert_eq!(
                        value(&parsed, "Direction").as_deref(),
                        Some(rule.direction.keyword())
                    );
                    assert_eq!(value(&parsed, "LocalPortRange"), port(&rule.local_port));
                    assert_eq!(value(&parsed, "RemotePortRange"), port(&rule.remote_port));
                    assert_eq!(
                        value(&parsed, "LocalAddr"),
                        rule.local_addr.as_deref().map(str::to_owned)
                    );
                    assert_eq!(
                        value(&parsed, "RemoteAddr"),
                        rule.remote_addr.as_deref().map(str::to_owned)
                    );
                    assert_eq!(
                        value(&parsed, "Jobname"),
                        rule.jobname.as_deref().map(str::to_owned)
                    );
                    assert_eq!(value(&parsed, "Userid"), rule.userid.as_deref().map(str::to_owned));
                    assert_eq!(value(&parsed, "Priority"), rule.priority.map(|p| p.to_string()));

                    let group = named(
                        "TTLSGroupAction",
                        &value(&parsed, "TTLSGroupActionRef").expect("group"),
                    );
                    assert_eq!(
                        value(&group, "TTLSEnabled").as_deref(),
                        Some(if rule.enabled { "On" } else { "Off" })
                    );
                    assert_eq!(value(&group, "Trace"), Some(rule.trace.to_string()));

                    let env = named(
                        "TTLSEnvironmentAction",
                        &value(&parsed, "TTLSEnvironmentActionRef").expect("env"),
                    );
                    assert_eq!(value(&env, "HandshakeRole").as_deref(), Some(rule.role.keyword()));
                    let ring = named(
                        "TTLSKeyringParms",
                        &value(&env, "TTLSKeyringParmsRef").expect("ring"),
                    );
                    assert_eq!(
                        value(&ring, "Keyring"),
                        rule.keyring.as_ref().map(|r| r.to_string())
                    );

                    let level = fleet.security_level(&rule.level).expect("level");
                    let advanced = named(
                        "TTLSEnvironmentAdvancedParms",
                        &value(&env, "TTLSEnvironmentAdvancedParmsRef").expect("advanced"),
                    );
                    let p = level.protocols;
                    for (switch, on) in [
                        ("SSLv2", p.sslv2),
                        ("SSLv3", p.sslv3),
                        ("TLSv1", p.tlsv1),
                        ("TLSv1.1", p.tlsv1_1),
                        ("TLSv1.2", p.tlsv1_2),
                        ("TLSv1.3", p.tlsv1_3),
                    ] {
                        assert_eq!(
                            value(&advanced, switch).as_deref(),
                            Some(if on { "On" } else { "Off" }),
                            "{switch}"
                        );
                    }
                    let ciphers = named(
                        "TTLSCipherParms",
                        &value(&env, "TTLSCipherParmsRef").expect("ciphers"),
                    );
                    let joined: String = ciphers
                        .attributes()
                        .filter(|a| a.is("V3CipherSuites4Char"))
                        .map(|a| a.value())
                        .collect();
                    assert_eq!(joined, level.ciphers.concat());

                    match &rule.certificate_label {
                        Some(label) => {
                            let connection = named(
                                "TTLSConnectionAction",
                                &value(&parsed, "TTLSConnectionActionRef").expect("connection"),
                            );
                            let advanced = connection.statements().next().expect("inline parms");
                            assert_eq!(
                                value(advanced, "CertificateLabel").as_deref(),
                                Some(label.as_str())
                            );
                        }
                        None => assert_eq!(value(&parsed, "TTLSConnectionActionRef"), None),
                    }
                }
            }
        }
    }
}

#[test]
fn seed_outbound_rule_uses_the_requesters_baqport() {
    let (_, fleet) = fixtures().into_iter().find(|(n, _)| *n == "seed").expect("seed");
    let response = render(&fleet);
    let lpar = &fleet.lpars[0];
    let stack = &lpar.stacks[0];
    let requester = &stack.api_requesters[0];
    let expansion = requester.expansion.as_ref().expect("expanded");
    let policy = file(&response, &layout::pagent_policy(&lpar.name, &stack.name));
    let (statements, _) = parse(&policy.content);
    let rule = statements
        .iter()
        .find(|s| s.is("TTLSRule") && s.name.as_deref() == Some(expansion.rule.as_str()))
        .expect("outbound rule");
    assert_eq!(value(rule, "Direction").as_deref(), Some("Outbound"));
    assert_eq!(value(rule, "RemotePortRange"), Some(expansion.baqport.to_string()));
    assert_eq!(value(rule, "Jobname").as_deref(), Some(requester.jobname.as_str()));
}

#[test]
fn names_fit_32_characters_and_are_unique() {
    for (_, _, response) in all_responses() {
        for file in policies(&response) {
            let mut seen = BTreeSet::new();
            for statement in parse(&file.content).0 {
                let name = statement.name.expect("global statements are named");
                assert!(name.len() <= 32, "{}: {name}", file.path);
                assert!(seen.insert(name.to_ascii_lowercase()), "{}: {name} twice", file.path);
            }
        }
    }
}

#[test]
fn text_is_safe_for_zos() {
    for (_, _, response) in all_responses() {
        for file in &response.files {
            assert!(file.content.ends_with('\n'), "{}", file.path);
            for (index, line) in file.content.lines().enumerate() {
                let at = format!("{} line {}", file.path, index + 1);
                assert!(!line.contains('\t'), "{at}: tab");
                assert!(line.len() <= 72, "{at}: {} columns", line.len());
                assert!(line.chars().all(|c| c == ' ' || c.is_ascii_graphic()), "{at}: {line:?}");
                assert_eq!(line, line.trim_end(), "{at}: trailing blanks");
            }
        }
        assert!(response.diagnostics.is_empty(), "{:#?}", response.diagnostics);
    }
}

#[test]
fn main_and_image_files_point_at_each_other() {
    for (_, fleet, response) in all_responses() {
        for lpar in &fleet.lpars {
            let main = file(&response, &layout::pagent_main(&lpar.name));
            assert_eq!(main.target.as_deref(), Some(layout::pagent_main_target(lpar).as_str()));
            let (statements, _) = parse(&main.content);
            assert_eq!(statements[0].values, [lpar.pagent.log_level.to_string()]);
            let images: Vec<&Statement> = statements.iter().filter(|s| s.is("TcpImage")).collect();
            let stacks: Vec<_> = lpar.stacks.iter().filter(|s| s.ttls).collect();
            assert_eq!(images.len(), stacks.len());
            for (image, stack) in images.iter().zip(stacks) {
                let image_target = layout::pagent_image_target(lpar, stack);
                assert_eq!(image.values[0], stack.name);
                assert_eq!(image.values[1], image_target);
                let image_file = file(&response, &layout::pagent_image(&lpar.name, &stack.name));
                assert_eq!(image_file.target.as_deref(), Some(image_target.as_str()));
                let (config, _) = parse(&image_file.content);
                assert_eq!(config.len(), 1);
                assert_eq!(config[0].values, [layout::pagent_policy_target(lpar, stack)]);
                let policy = file(&response, &layout::pagent_policy(&lpar.name, &stack.name));
                assert_eq!(policy.target, Some(layout::pagent_policy_target(lpar, stack)));
            }
        }
    }
}

#[test]
fn headers_say_what_made_the_file_and_carry_no_clock() {
    for (_, fleet, response) in all_responses() {
        for file in &response.files {
            let header: Vec<&str> =
                file.content.lines().take_while(|l| l.starts_with('#')).collect();
            let text = header.join("\n");
            assert!(text.contains("Generated by zat"), "{}", file.path);
            assert!(text.contains("Do not edit by hand"), "{}", file.path);
            assert!(text.contains(&format!("fleet {}", fleet.name)), "{}", file.path);
            // No date or time: nothing like `2026-` or `12:30`.
            let bytes = text.as_bytes();
            let dated = bytes.windows(5).any(|w| {
                w[..4].iter().all(u8::is_ascii_digit) && w[4] == b'-'
                    || w[0].is_ascii_digit() && w[1].is_ascii_digit() && w[2] == b':'
            });
            assert!(!dated, "{}: {text}", file.path);
        }
        // Same request, same bytes.
        assert_eq!(render(&fleet), response);
    }
}
