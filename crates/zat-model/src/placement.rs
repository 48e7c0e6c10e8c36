//! Where a bundle file goes on z/OS and how it travels there: the structured form of a
//! manifest entry's target, which deploy scripts are generated from.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where one bundle file goes on z/OS, and whether it travels as text or binary.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Placement {
    /// The kind of destination and its coordinates.
    #[serde(flatten)]
    pub destination: Destination,
    /// Text (translated to `code_page` on the way) or binary (copied byte for byte).
    pub transfer: Transfer,
    /// The code page of the file once on z/OS: `IBM-1047` for the text files zat writes;
    /// for a binary file, the encoding its bytes already have (`UTF-8`).
    pub code_page: String,
}

/// The kinds of place a bundle file can go to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Destination {
    /// A z/OS UNIX file at `path`, with permission bits `mode` (octal, e.g. `0644`).
    UssFile { path: String, mode: String },
    /// Member `member` of the partitioned data set `dataset`.
    PdsMember { dataset: String, member: String },
    /// A batch job to submit (from the workstation; it is not stored on z/OS).
    Job,
    /// Text a person pastes or includes by hand, as `instructions` say.
    Manual { instructions: String },
}

/// How a file travels to z/OS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Transfer {
    /// Translated from UTF-8 to the placement's code page.
    Text,
    /// Copied byte for byte.
    Binary,
}

/// The code page of every text file zat writes once it is on z/OS.
pub const TEXT_CODE_PAGE: &str = "IBM-1047";

/// Whether `mode` is permission bits as a [`Destination::UssFile`] gives them: three or four
/// octal digits, as `chmod` and `zos_copy` take them. A placement is a plugin's text, and
/// the deploy scripts hand the mode to a remote shell: the plugin host refuses any other, and
/// the deploy-script emitter passes on no other.
pub fn is_permission_bits(mode: &str) -> bool {
    (3..=4).contains(&mode.len()) && mode.bytes().all(|b| (b'0'..=b'7').contains(&b))
}

impl Placement {
    /// A text file on z/OS UNIX.
    pub fn uss_text(path: impl Into<String>, mode: impl Into<String>) -> Self {
        Placement::text(Destination::UssFile { path: path.into(), mode: mode.into() })
    }

    /// A text member of a partitioned data set.
    pub fn member_text(dataset: impl Into<String>, member: impl Into<String>) -> Self {
        Placement::text(Destination::PdsMember { dataset: dataset.into(), member: member.into() })
    }

    /// A batch job, submitted as text.
    pub fn job() -> Self {
        Placement::text(Destination::Job)
    }

    /// Text a person puts in place by hand.
    pub fn manual_text(instructions: impl Into<String>) -> Self {
        Placement::text(Destination::Manual { instructions: instructions.into() })
    }

    /// A UTF-8 file a person puts in place by hand, in binary so that it stays UTF-8.
    pub fn manual_utf8(instructions: impl Into<String>) -> Self {
        Placement {
            destination: Destination::Manual { instructions: instructions.into() },
            transfer: Transfer::Binary,
            code_page: "UTF-8".to_owned(),
        }
    }

    fn text(destination: Destination) -> Self {
        Placement { destination, transfer: Transfer::Text, code_page: TEXT_CODE_PAGE.to_owned() }
    }

    /// `DSN(MEMBER)` for a member, the path for a z/OS UNIX file, `None` otherwise.
    pub fn zos_name(&self) -> Option<String> {
        match &self.destination {
            Destination::UssFile { path, .. } => Some(path.clone()),
            Destination::PdsMember { dataset, member } => Some(format!("{dataset}({member})")),
            Destination::Job | Destination::Manual { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placements_serialise_flat_with_their_kind() {
        let json = serde_json::to_value(Placement::member_text("TCPIP.PARMS", "TPABC")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "pds_member", "dataset": "TCPIP.PARMS", "member": "TPABC",
                "transfer": "text", "code_page": "IBM-1047"
            })
        );
        let back: Placement = serde_json::from_value(json).unwrap();
        assert_eq!(back.zos_name().as_deref(), Some("TCPIP.PARMS(TPABC)"));
        let job = serde_json::to_value(Placement::job()).unwrap();
        assert_eq!(job["kind"], "job");
        let xml = serde_json::to_value(Placement::manual_utf8("include it")).unwrap();
        assert_eq!(
            (xml["transfer"].as_str(), xml["code_page"].as_str()),
            (Some("binary"), Some("UTF-8"))
        );
    }
}
