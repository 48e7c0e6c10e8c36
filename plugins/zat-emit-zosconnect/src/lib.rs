//! z/OS Connect emitter: Liberty server.xml TLS snippets that match the key rings.
//!
//! For every z/OS Connect server that runs on an LPAR of the run, one `server.xml` include
//! ([`layout::zosconnect_server_xml`]):
//! - without an inbound AT-TLS policy, Liberty does TLS itself: a `keyStore` on the SAF key
//!   ring the security job creates (`safkeyring://OWNER/RING`, `JCERACFKS`, not file based,
//!   read only), used as key store and trust store, an `ssl` element with the server label
//!   as `serverKeyAlias`, TLS 1.2 and 1.3, client authentication when asked for, and the
//!   `httpEndpoint` with both ports;
//! - with an inbound AT-TLS policy, Liberty listens in clear: only an `httpEndpoint` with
//!   `httpsPort="-1"`, and a comment naming the AT-TLS rule that protects the port.
//!
//! Liberty requires a `password` attribute for a SAF key ring but does not use it; the
//! snippet carries the documented dummy `password` and says so. No other password appears.
//!
//! Options (site-dependent, defaults are the Liberty defaults):
//! `zosconnect.ssl_protocol` (default `TLSv1.2,TLSv1.3`; older Liberty takes one value only),
//! `zosconnect.endpoint_id` (default `defaultHttpEndpoint`, the id the server's own
//! `httpEndpoint` uses, so the include replaces its ports).

use minijinja::{Environment, context};
use zat_plugin_api::layout;
use zat_plugin_api::model::{Diagnostic, Fleet, RuleSource, ZosConnectServer};
use zat_plugin_api::templates::error as template_error;
use zat_plugin_api::{EmitError, Emitter, OutputFile, RenderRequest, RenderResponse};

const TLS_TEMPLATE: &str = include_str!("../templates/tls.xml");
const PLAIN_TEMPLATE: &str = include_str!("../templates/plain.xml");

/// Option: value of `sslProtocol`.
pub const PROTOCOL_OPTION: &str = "zosconnect.ssl_protocol";
/// Option: id of the `httpEndpoint` the snippet configures.
pub const ENDPOINT_OPTION: &str = "zosconnect.endpoint_id";

/// Diagnostic: a server without inbound AT-TLS has no key ring or label, so no TLS snippet.
const NO_TLS: &str = "ZAT0365";

/// The z/OS Connect emitter (`zosconnect`).
#[derive(Debug, Default)]
pub struct ZosConnectEmitter;

impl Emitter for ZosConnectEmitter {
    const NAME: &'static str = "zosconnect";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const OPTIONS: Option<&'static [&'static str]> = Some(&["ssl_protocol", "endpoint_id"]);
    const PROVIDES: &'static [&'static str] = &[zat_plugin_api::UNIT_LPAR];

    fn render(&self, request: &RenderRequest) -> Result<RenderResponse, EmitError> {
        let env = TEMPLATES.get(compile)?;
        let option = |key: &str, default: &str| {
            xml_attr(request.options.get(key).map_or(default, String::as_str))
        };
        let protocols = option(PROTOCOL_OPTION, "TLSv1.2,TLSv1.3");
        let endpoint_id = option(ENDPOINT_OPTION, "defaultHttpEndpoint");
        let fleet = &request.fleet;
        let mut response = RenderResponse::default();
        for server in &fleet.zos_connect_servers {
            let Some(lpar) = server.lpar.as_deref().filter(|l| request.includes_lpar(l)) else {
                continue;
            };
            let Some(lpar) = fleet.lpar(lpar) else { continue };
            let common = context! {
                fleet => xml_text(&fleet.name),
                server => xml_text(&server.name),
                lpar => xml_text(&lpar.name),
                endpoint_id => endpoint_id,
                http_port => server.http_port,
                https_port => server.https_port,
            };
            let content = if server.inbound_attls {
                let view = context! {
                    rule => xml_text(&inbound_rule(fleet, server).unwrap_or_else(|| "(derived by expansion)".to_owned())),
                    stack => xml_text(server.stack.as_deref().unwrap_or("(not named)")),
                    ..common
                };
                env.get_template("plain").and_then(|t| t.render(view))
            } else {
                let (Some(ring), Some(label)) = (&server.keyring, &server.server_label) else {
                    response.diagnostics.push(
                        Diagnostic::error(
                            NO_TLS,
                            "z/OS Connect server has no inbound AT-TLS policy and no key ring and label for Liberty TLS",
                        )
                        .object(format!("zos connect server {}", server.name))
                        .at(&server.origin)
                        .help("give the server a keyring and server_label, or set inbound_attls"),
                    );
                    continue;
                };
                let view = context! {
                    ring => xml_attr(&ring.to_string()),
                    label => xml_attr(label),
                    database => xml_text(&lpar.security_database),
                    keystore_id => "zatKeyStore",
                    ssl_id => "zatSSLConfig",
                    protocols => protocols,
                    client_auth => server.client_auth,
                    ..common
                };
                env.get_template("tls").and_then(|t| t.render(view))
            }
            .map_err(template_error)?;
            response.files.push(OutputFile {
                path: layout::zosconnect_server_xml(&lpar.name, &server.name),
                content,
                target: Some(layout::zosconnect_server_xml_target(server)),
                placement: Some(layout::zosconnect_server_xml_placement(server)),
            });
        }
        Ok(response)
    }
}

/// The compiled templates, built once per process (not once per unit).
static TEMPLATES: zat_plugin_api::BuiltOnce<Environment<'static>> =
    zat_plugin_api::BuiltOnce::new();

fn compile() -> Result<Environment<'static>, EmitError> {
    let mut env = zat_plugin_api::templates::environment(false);
    env.add_template("tls", TLS_TEMPLATE).map_err(template_error)?;
    env.add_template("plain", PLAIN_TEMPLATE).map_err(template_error)?;
    Ok(env)
}

/// Name of the inbound rule expansion added for this server on its stack.
fn inbound_rule(fleet: &Fleet, server: &ZosConnectServer) -> Option<String> {
    let lpar = fleet.lpar(server.lpar.as_deref()?)?;
    lpar.stacks
        .iter()
        .filter(|stack| server.stack.as_deref().is_none_or(|name| name == stack.name))
        .flat_map(|stack| &stack.rules)
        .find(|rule| rule.source == RuleSource::ZosConnectServer(server.name.as_str().into()))
        .map(|rule| rule.name.to_string())
}

/// Escapes a value for a double-quoted XML attribute.
fn xml_attr(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Text for an XML comment or attribute: escaped, and without `--`, which a comment may not hold.
fn xml_text(value: &str) -> String {
    xml_attr(value).replace("--", "- -")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_escaped() {
        assert_eq!(xml_attr(r#"A&B<"C">"#), "A&amp;B&lt;&quot;C&quot;&gt;");
        assert_eq!(xml_text("RING--X"), "RING- -X");
    }
}
