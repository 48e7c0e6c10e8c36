//! RACF's displays as IBM documents them (with the indentation real systems print): RACDCERT
//! LIST and LISTRING, RLIST ... AUTHUSER and SETROPTS LIST.

use zat_racf_state::{
    CertOwner, CertRef, Certificate, Profile, ProfileRef, Ring, RingRef, Setropts,
};

/// The `Digital certificate information for ...:` header.
pub(crate) fn cert_header(owner: &CertOwner) -> String {
    match owner {
        CertOwner::Certauth => "Digital certificate information for CERTAUTH:".into(),
        CertOwner::Site => "Digital certificate information for SITE:".into(),
        CertOwner::User(id) => format!("Digital certificate information for user {id}:"),
    }
}

fn bracketed(out: &mut Vec<String>, value: &str) {
    // Long names continue on further `>...<` lines, as IBM's sample shows.
    let chars: Vec<char> = value.chars().collect();
    if chars.is_empty() {
        out.push("       ><".into());
    }
    for chunk in chars.chunks(60) {
        out.push(format!("       >{}<", chunk.iter().collect::<String>()));
    }
}

/// One certificate block of RACDCERT LIST, from `Label:` on.
pub(crate) fn cert_block(out: &mut Vec<String>, cert: &CertRef, c: &Certificate) {
    out.push(String::new());
    out.push(format!("  Label: {}", cert.label));
    let id: String = cert.label.bytes().take(16).map(|b| format!("{:02X}", b)).collect();
    out.push(format!("  Certificate ID: {id}"));
    out.push(format!("  Status: {}", c.status.as_str()));
    out.push(format!("  Start Date: {}", c.start));
    out.push(format!("  End Date:   {}", c.end));
    out.push("  Serial Number:".into());
    bracketed(out, &c.serial);
    out.push("  Issuer's Name:".into());
    bracketed(out, &c.issuer);
    out.push("  Subject's Name:".into());
    bracketed(out, &c.subject);
    out.push("  Signing Algorithm: sha256RSA".into());
    if let Some(usage) = &c.key_usage {
        out.push(format!("  Key Usage: {usage}"));
    }
    out.push("  Key Type: RSA".into());
    if let Some(size) = c.key_size {
        out.push(format!("  Key Size: {size}"));
    }
    out.push(format!("  Private Key: {}", if c.private_key { "YES" } else { "NO" }));
    out.push("  Ring Associations:".into());
    if c.rings.is_empty() {
        out.push("    *** No rings associated ***".into());
    }
    for ring in &c.rings {
        out.push(format!("    Ring Owner: {}", ring.owner));
        out.push("    Ring:".into());
        out.push(format!("       >{}<", ring.name));
    }
}

/// One ring of RACDCERT LISTRING (the caller prints the owner's header once).
pub(crate) fn ring_block(out: &mut Vec<String>, ring: &RingRef, r: &Ring) {
    out.push(String::new());
    out.push("  Ring:".into());
    out.push(format!("       >{}<", ring.name));
    if r.connections.is_empty() {
        out.push("  *** No certificates connected ***".into());
        return;
    }
    out.push("  Certificate Label Name             Cert Owner     USAGE      DEFAULT".into());
    out.push("  --------------------------------   ------------   --------   -------".into());
    for (cert, connection) in &r.connections {
        out.push(format!(
            "  {:<32}   {:<12}   {:<8}     {}",
            cert.label,
            cert.owner.operand(),
            connection.usage.as_str(),
            if connection.default { "YES" } else { "NO" }
        ));
        out.push(String::new());
    }
}

/// RLIST class name AUTHUSER for one profile; `yours` is the lister's own access.
pub(crate) fn profile_block(out: &mut Vec<String>, key: &ProfileRef, p: &Profile, yours: &str) {
    out.push("CLASS      NAME".into());
    out.push("-----      ----".into());
    let suffix = if p.generic { " (G)" } else { "" };
    out.push(format!("{:<10} {}{}", key.class, key.name, suffix));
    out.push(String::new());
    out.push("LEVEL  OWNER      UNIVERSAL ACCESS  YOUR ACCESS  WARNING".into());
    out.push("-----  --------   ----------------  -----------  -------".into());
    out.push(format!(
        " 00    {:<8}        {:<8}          {:<8} {}",
        p.owner,
        p.uacc.as_str(),
        yours,
        if p.warning { "YES" } else { "NO" }
    ));
    for (title, value) in [
        ("INSTALLATION DATA", "NONE"),
        ("APPLICATION DATA", "NONE"),
        ("AUDITING", "FAILURES(READ)"),
        ("NOTIFY", "NO USER TO BE NOTIFIED"),
        ("SECURITY LEVEL", "NO SECURITY LEVEL"),
        ("CATEGORIES", "NO CATEGORIES"),
        ("SECLABEL", "NO SECLABEL"),
    ] {
        out.push(String::new());
        out.push(title.into());
        out.push("-".repeat(title.len()));
        out.push(value.into());
    }
    out.push(String::new());
    if p.access.is_empty() {
        out.push("NO USERS IN ACCESS LIST".into());
    } else {
        out.push("USER      ACCESS   ACCESS COUNT".into());
        out.push("----      ------   ------ -----".into());
        for (id, access) in &p.access {
            out.push(format!("{:<8}  {:<7}     000000", id, access.as_str()));
        }
    }
    out.push(String::new());
    if p.conditional.is_empty() {
        out.push("NO ENTRIES IN CONDITIONAL ACCESS LIST".into());
    } else {
        out.push("ID        ACCESS   ACCESS COUNT   CLASS      ENTITY NAME".into());
        out.push("--        ------   ------ -----   -----      -----------".into());
        for (c, access) in &p.conditional {
            out.push(format!(
                "{:<8}  {:<7}     000000      {:<8}   {}",
                c.id,
                access.as_str(),
                c.class,
                c.entity
            ));
        }
    }
    out.push(String::new());
}

fn class_line(out: &mut Vec<String>, title: &str, classes: &std::collections::BTreeSet<String>) {
    let head = format!("{title} = ");
    if classes.is_empty() {
        out.push(format!("{head}NONE"));
        return;
    }
    let names: Vec<&str> = classes.iter().map(String::as_str).collect();
    for (i, chunk) in names.chunks(8).enumerate() {
        let lead = if i == 0 { head.clone() } else { " ".repeat(head.len()) };
        out.push(format!("{lead}{}", chunk.join(" ")));
    }
}

/// SETROPTS LIST: the class lists and the lines around them that every system prints.
pub(crate) fn setropts(out: &mut Vec<String>, s: &Setropts) {
    let when = if s.when_program { "WHEN(PROGRAM)" } else { "NOWHEN(PROGRAM)" };
    out.push(format!("ATTRIBUTES = INITSTATS {when} TERMINAL(READ) NOEGN"));
    out.push("STATISTICS = NONE".into());
    out.push("AUDIT CLASSES = NONE".into());
    class_line(out, "ACTIVE CLASSES", &s.active);
    class_line(out, "GENERIC PROFILE CLASSES", &s.generic);
    class_line(out, "GENERIC COMMAND CLASSES", &s.generic);
    out.push("GENLIST CLASSES = NONE".into());
    out.push("GLOBAL CHECKING CLASSES = NONE".into());
    class_line(out, "SETR RACLIST CLASSES", &s.raclist);
    out.push("GLOBAL=YES RACLIST ONLY = NONE".into());
    out.push("LOGOPTIONS \"ALWAYS\" CLASSES = NONE".into());
    out.push("AUTOMATIC DATASET PROTECTION IS NOT IN EFFECT".into());
    out.push("ENHANCED GENERIC NAMING IS NOT IN EFFECT".into());
}
