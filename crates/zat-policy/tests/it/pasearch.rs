//! A hand-written `pasearch -t` report (IBM's layout, with the blanks and two-column lines of
//! a real one) read into the effective form, and compared with the policy text it shows.

use zat_policy::effective::{Origin, effective};
use zat_policy::{Difference, Options, PolicyFile, compare, pasearch};

use crate::fixture;

const POLICY: &str = "\
TTLSRule PayOut
{
  RemoteAddr 10.1.1.0/24
  RemotePortRange 9443
  Jobname PAY*
  Direction Outbound
  Priority 500
  TTLSGroupActionRef grpOn
  TTLSEnvironmentActionRef envClient
}
TTLSRule Loopback
{
  RemoteAddr 127.0.0.1
  Direction Both
  Priority 900
  TTLSGroupActionRef grpOff
}
TTLSGroupAction grpOn
{
  TTLSEnabled On
  Trace 6
}
TTLSGroupAction grpOff
{
  TTLSEnabled Off
}
TTLSEnvironmentAction envClient
{
  HandshakeRole Client
  TTLSKeyringParms
  {
    Keyring PAYUSR/PayRing
  }
  TTLSEnvironmentAdvancedParms
  {
    TLSv1 Off
    TLSv1.1 Off
    TLSv1.2 On
    TLSv1.3 On
  }
  TTLSCipherParms
  {
    V3CipherSuites4Char 1301C02F
  }
  TTLSSignatureParms
  {
    ClientECurves 00230024
  }
}
";

#[test]
fn a_report_reads_into_rules_conditions_and_merged_settings() {
    let text = fixture("report.pasearch");
    assert!(pasearch::is_report(&text));
    assert!(!pasearch::is_report(POLICY));
    let report = pasearch::read("report.pasearch", &text, &Options::default());
    assert_eq!(report.images, ["TCPIP"]);
    let names: Vec<&str> = report.policy.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Loopback", "PayOut"], "in compare order");
    let pay = report.policy.rule("PayOut").expect("PayOut");
    assert_eq!(pay.priority, Some(500));
    assert_eq!(pay.conditions.jobname.as_deref(), Some("PAY*"));
    assert_eq!(pay.conditions.remote_port.len(), 1);
    assert_eq!(pay.value("Keyring"), Some("PAYUSR/PayRing"));
    assert_eq!(pay.value("V3CipherSuites"), Some("1301 C02F"));
    assert_eq!(pay.value("ClientECurves"), Some("0023 0024"));
    assert_eq!(pay.value("Trace"), Some("6"));
    assert_eq!(pay.settings["TLSv1.3"].origin, Origin::Reported);
    let loopback = report.policy.rule("Loopback").expect("Loopback");
    assert!(!loopback.enabled());
}

#[test]
fn the_report_of_a_policy_compares_equal_and_one_change_is_named() {
    let options = Options::default();
    let intended = effective(&[PolicyFile { path: "p", text: POLICY }], &options);
    let text = fixture("report.pasearch");
    let live = pasearch::read("report.pasearch", &text, &options).policy;
    assert_eq!(compare(&intended, &live), Vec::<Difference>::new());
    let drifted = text.replace("TLSv1.2:                   On", "TLSv1.2:                   Off");
    let live = pasearch::read("report.pasearch", &drifted, &options).policy;
    assert_eq!(
        compare(&intended, &live),
        [Difference::Setting {
            rule: "PayOut".into(),
            setting: "TLSv1.2".into(),
            expected: Some("On".into()),
            actual: Some("Off".into()),
        }]
    );
}

/// A report prints every value with Policy Agent's defaults filled in, the user instances (0)
/// among them: a policy that does not set them matches a report that shows 0, and only another
/// value is drift.
#[test]
fn user_instances_the_policy_leaves_unset_match_a_report_of_zero() {
    let options = Options::default();
    let intended = effective(&[PolicyFile { path: "p", text: POLICY }], &options);
    let report = |instance: &str| {
        fixture("report.pasearch")
            .replace(
                "  policyAction:         envClient\n",
                "  policyAction:         connPay\n   ActionType:          TTLS Connection\n   Action Sequence:     0\n  policyAction:         envClient\n",
            )
            .replace(
                "    FIPS140:                    Off\n    TTLSGroupAdvancedParms:\n",
                "    FIPS140:                    Off\n    GroupUserInstance:          0\n    TTLSGroupAdvancedParms:\n",
            )
            .replace(
                "    SuiteBProfile:              Off\n",
                &format!("    SuiteBProfile:              Off\n    EnvironmentUserInstance:    {instance}\n"),
            )
            .replace(
                "\npolicyRule:             Loopback\n",
                "  TTLS Action:                  connPay\n    Version:                    3\n    Status:                     Active\n    Scope:                      Connection\n    ConnectionUserInstance:     0\n\npolicyRule:             Loopback\n",
            )
    };
    let live = pasearch::read("report.pasearch", &report("0"), &options).policy;
    let pay = live.rule("PayOut").expect("PayOut");
    for key in ["GroupUserInstance", "EnvironmentUserInstance", "ConnectionUserInstance"] {
        assert_eq!(pay.value(key), Some("0"), "{key} is read from the report");
        assert_eq!(intended.rule("PayOut").expect("PayOut").value(key), None, "{key}");
    }
    assert_eq!(compare(&intended, &live), Vec::<Difference>::new());
    let live = pasearch::read("report.pasearch", &report("3"), &options).policy;
    assert_eq!(
        compare(&intended, &live),
        [Difference::Setting {
            rule: "PayOut".into(),
            setting: "EnvironmentUserInstance".into(),
            expected: None,
            actual: Some("3".into()),
        }]
    );
}
