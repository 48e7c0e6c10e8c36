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

/// `Time Periods` of all days at all hours, as a report prints them for a rule without a time
/// condition; `window` replaces lines of it.
fn time_periods(window: &[(&str, &str)]) -> String {
    let mut block = "  Time Periods:
   Day of Month Mask:
   First to Last:       1111111111111111111111111111111
   Last to First:       1111111111111111111111111111111
   Month of Yr Mask:    111111111111
   Day of Week Mask:    1111111  (Sunday - Saturday)
   Start Date Time:     None
   End Date Time:       None
   Fr TimeOfDay:        00:00             To TimeOfDay:      24:00
   Fr TimeOfDay UTC:    05:00             To TimeOfDay UTC:  05:00
   TimeZone:            Local
"
    .to_owned();
    for (from, to) in window {
        assert!(block.contains(from), "{from}");
        block = block.replace(from, to);
    }
    block
}

/// The report with `block` before PayOut's condition summary.
fn with_time_periods(block: &str) -> String {
    let text = fixture("report.pasearch");
    let at = text.find("  TTLS Condition Summary:").expect("PayOut's condition summary");
    format!("{}{block}{}", &text[..at], &text[at..])
}

#[test]
fn time_periods_of_all_days_at_all_hours_are_no_time_condition() {
    let options = Options::default();
    let live = pasearch::read("r", &with_time_periods(&time_periods(&[])), &options).policy;
    assert_eq!(live.rule("PayOut").expect("PayOut").conditions.time_condition, None);
    let intended = effective(&[PolicyFile { path: "p", text: POLICY }], &options);
    assert_eq!(compare(&intended, &live), Vec::<Difference>::new());
}

/// A rule in effect only part of the time: the report's window, in its words, is the rule's
/// time condition, and a policy whose rule has none differs from it.
#[test]
fn a_time_window_in_a_report_is_the_rules_time_condition() {
    let options = Options::default();
    let block = time_periods(&[
        ("1111111  (Sunday", "0111110  (Sunday"),
        ("End Date Time:       None", "End Date Time:       2026/01/31 00:00:00"),
        (
            "00:00             To TimeOfDay:      24:00",
            "08:00             To TimeOfDay:      17:00",
        ),
    ]);
    let live = pasearch::read("r", &with_time_periods(&block), &options).policy;
    let pay = live.rule("PayOut").expect("PayOut");
    let window = "Day of Week Mask 0111110 (Sunday - Saturday), End Date Time 2026/01/31 00:00:00, TimeOfDay 08:00 to 17:00, TimeZone Local";
    assert_eq!(pay.conditions.time_condition.as_deref(), Some(window));
    assert!(pay.complete);
    let intended = effective(&[PolicyFile { path: "p", text: POLICY }], &options);
    assert_eq!(
        compare(&intended, &live),
        [Difference::Condition {
            rule: "PayOut".into(),
            condition: "time condition",
            expected: "none (in effect at all times)".into(),
            actual: window.into(),
        }]
    );
    // One month left out is a window too.
    let block =
        time_periods(&[("Month of Yr Mask:    111111111111", "Month of Yr Mask:    111111111110")]);
    let live = pasearch::read("r", &with_time_periods(&block), &options).policy;
    assert_eq!(
        live.rule("PayOut").expect("PayOut").conditions.time_condition.as_deref(),
        Some("Month of Yr Mask 111111111110, TimeZone Local")
    );
}

/// A report cut short after PayOut's condition summary (a truncated SYSOUT): its actions'
/// blocks are missing. The rule is not complete, a finding says why, and the comparison says
/// so instead of comparing the defaults filled in for what the report does not show.
#[test]
fn a_report_cut_short_names_what_it_does_not_show() {
    let options = Options::default();
    let text = fixture("report.pasearch");
    let cut = &text[..text.find("  TTLS Action:                  grpOn").expect("first action")];
    let live = pasearch::read("r", cut, &options).policy;
    let pay = live.rule("PayOut").expect("PayOut");
    assert!(!pay.complete);
    assert_eq!(pay.value("TLSv1"), None, "no default stands in for what the report lacks");
    let messages: Vec<&str> = live
        .findings
        .iter()
        .filter(|f| f.rule.as_deref() == Some("PayOut"))
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "the report names action grpOn for rule PayOut but shows no `TTLS Action: grpOn` block",
            "the report names action envClient for rule PayOut but shows no `TTLS Action: envClient` block",
        ]
    );
    let intended = effective(&[PolicyFile { path: "p", text: POLICY }], &options);
    let differences = compare(&intended, &live);
    let why = messages.iter().map(|m| (*m).to_owned()).collect();
    assert!(
        differences.contains(&Difference::Unreadable { rule: "PayOut".into(), why }),
        "{differences:?}"
    );
    assert!(
        !differences
            .iter()
            .any(|d| matches!(d, Difference::Setting { rule, .. } if rule == "PayOut")),
        "{differences:?}"
    );
    // Cut inside the rule's list of actions: fewer than `No. Policy Action` says, and no group.
    let cut = &text[..text.find("  policyAction:         envClient").expect("second action")];
    let live = pasearch::read("r", cut, &options).policy;
    assert!(!live.rule("PayOut").expect("PayOut").complete);
    assert!(
        live.findings.iter().any(|f| f.message
            == "the report says rule PayOut has 2 actions (`No. Policy Action`) but names 1"),
        "{:?}",
        live.findings
    );
    assert!(
        live.findings
            .iter()
            .any(|f| f.message.starts_with("the report shows no ServiceDirection for rule PayOut")),
        "{:?}",
        live.findings
    );
}
