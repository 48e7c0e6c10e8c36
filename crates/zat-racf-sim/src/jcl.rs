//! The JCL of generated batch TSO jobs: the JOB card, `EXEC PGM=IKJEFT01|IKJEFT1A|IKJEFT1B`
//! steps with in-stream SYSTSIN, `IF (...) THEN` / `ELSE` / `ENDIF`, and the step return-code
//! rules of the TSO/E terminal monitor program. Anything else is a JCL error, and a job with a
//! JCL error runs no step, as on z/OS.

use crate::racf::{CommandRun, DataSets, Racf};

/// A JCL statement the simulator cannot accept; the job runs no step.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("JCL error at line {line}: {reason}")]
pub struct JclError {
    pub line: usize,
    pub reason: String,
}

/// The TSO/E entry point a step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    /// A failing command does not stop the step; the step RC is the last command's.
    Ikjeft01,
    /// The first command with a non-zero RC ends the step with that RC.
    Ikjeft1a,
    /// As IKJEFT1A (and for CLISTs too, which these jobs do not use).
    Ikjeft1b,
    /// Access Method Services: `DELETE name NONVSAM` and `IF LASTCC = n THEN SET MAXCC = m`
    /// from SYSIN; the step RC is MAXCC.
    Idcams,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Step {
    name: String,
    program: Program,
    /// SYSTSIN records (SYSIN for IDCAMS), trailing blanks removed.
    systsin: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Cond {
    Rc { step: Option<String>, op: Op, value: u16 },
    Run { step: String, negated: bool },
    Abend { step: Option<String>, negated: bool },
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Stmt {
    Step(Step),
    If { cond: Cond, then: Vec<Stmt>, otherwise: Vec<Stmt> },
}

/// A parsed job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub name: String,
    body: Vec<Stmt>,
}

impl Job {
    /// Every step in JCL order, whatever IF logic would decide, with its SYSTSIN records.
    pub fn steps(&self) -> Vec<(&str, &[String])> {
        fn walk<'a>(body: &'a [Stmt], out: &mut Vec<(&'a str, &'a [String])>) {
            for stmt in body {
                match stmt {
                    Stmt::Step(s) => out.push((s.name.as_str(), s.systsin.as_slice())),
                    Stmt::If { then, otherwise, .. } => {
                        walk(then, out);
                        walk(otherwise, out);
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.body, &mut out);
        out
    }
}

/// One step as it ran, or did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRun {
    pub name: String,
    pub program: Program,
    /// False when IF/THEN logic skipped it.
    pub executed: bool,
    pub rc: Option<u16>,
    pub commands: Vec<CommandRun>,
    /// The step's SYSTSPRT.
    pub systsprt: Vec<String>,
}

/// A job as it ran: its steps in order, or the JCL error that kept it from running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    pub job: String,
    pub jcl_error: Option<JclError>,
    pub steps: Vec<StepRun>,
}

impl JobRun {
    /// The highest RC of the executed steps (what `RC` tests in JCL), `None` when no step ran.
    pub fn max_rc(&self) -> Option<u16> {
        self.steps.iter().filter_map(|s| s.rc).max()
    }

    /// Every command that ran, with its step name.
    pub fn commands(&self) -> impl Iterator<Item = (&str, &CommandRun)> {
        self.steps.iter().flat_map(|s| s.commands.iter().map(move |c| (s.name.as_str(), c)))
    }

    /// True when every step ran and every command ended with RC 0.
    pub fn clean(&self) -> bool {
        self.jcl_error.is_none()
            && self.steps.iter().all(|s| s.executed)
            && self.commands().all(|(_, c)| c.rc == 0)
    }
}

/// Name and operation fields of a `//` statement.
fn fields(text: &str) -> (String, String, String) {
    let body = &text[2..];
    let (name, rest) = if body.starts_with(' ') {
        (String::new(), body.trim_start())
    } else {
        let end = body.find(' ').unwrap_or(body.len());
        (body[..end].to_owned(), body[end..].trim_start())
    };
    let end = rest.find(' ').unwrap_or(rest.len());
    let operands = rest[end..].trim_start();
    // The operand field ends at the first blank outside apostrophes; the rest is a comment.
    // IF statements keep theirs whole: their expression holds blanks.
    let operands = if &rest[..end] == "IF" { operands } else { &operands[..operand_end(operands)] };
    (name, rest[..end].to_owned(), operands.trim().to_owned())
}

fn operand_end(text: &str) -> usize {
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            ' ' if !quoted => return i,
            _ => {}
        }
    }
    text.len()
}

/// Reads a job's JCL.
pub fn parse_job(text: &str) -> Result<Job, JclError> {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let err = |line: usize, reason: &str| JclError { line: line + 1, reason: reason.to_owned() };
    let mut i = 0;
    let mut name: Option<String> = None;
    // Stack of open IFs: (cond, then, otherwise, in_else).
    let mut stack: Vec<(Cond, Vec<Stmt>, Vec<Stmt>, bool)> = Vec::new();
    let mut top: Vec<Stmt> = Vec::new();
    let mut current: Option<Step> = None;
    fn push(stack: &mut [(Cond, Vec<Stmt>, Vec<Stmt>, bool)], top: &mut Vec<Stmt>, s: Stmt) {
        match stack.last_mut() {
            Some((_, then, otherwise, in_else)) => {
                if *in_else {
                    otherwise.push(s)
                } else {
                    then.push(s)
                }
            }
            None => top.push(s),
        }
    }
    while i < lines.len() {
        let line = lines[i];
        if line.starts_with("//*") {
            i += 1;
            continue;
        }
        if line.trim().is_empty() {
            return Err(err(i, "a blank line in JCL"));
        }
        if !line.starts_with("//") {
            return Err(err(i, "a line that is neither JCL nor in-stream data"));
        }
        if line.trim_end() == "//" {
            break;
        }
        let (field, op, mut operands) = fields(line);
        // Operands continue on the next statement when they end with a comma.
        let start = i;
        while operands.ends_with(',') && i + 1 < lines.len() && lines[i + 1].starts_with("// ") {
            i += 1;
            operands.push_str(lines[i][2..].trim());
        }
        i += 1;
        match op.as_str() {
            "JOB" => {
                if name.is_some() {
                    return Err(err(start, "a second JOB statement"));
                }
                name = Some(field);
            }
            "EXEC" => {
                if let Some(step) = current.take() {
                    push(&mut stack, &mut top, Stmt::Step(step));
                }
                let pgm =
                    operands.split(',').find_map(|o| o.strip_prefix("PGM=")).ok_or_else(|| {
                        err(start, "EXEC without PGM= (procedures are not simulated)")
                    })?;
                let program = match pgm {
                    "IKJEFT01" => Program::Ikjeft01,
                    "IKJEFT1A" => Program::Ikjeft1a,
                    "IKJEFT1B" => Program::Ikjeft1b,
                    "IDCAMS" => Program::Idcams,
                    other => return Err(err(start, &format!("program {other} is not simulated"))),
                };
                if field.is_empty() {
                    return Err(err(start, "a step without a name"));
                }
                current = Some(Step { name: field, program, systsin: Vec::new() });
            }
            "DD" => {
                let step =
                    current.as_mut().ok_or_else(|| err(start, "a DD statement outside a step"))?;
                let instream =
                    operands == "*" || operands.starts_with("*,") || operands.starts_with("DATA");
                if !instream {
                    continue;
                }
                let dlm =
                    operands.split(',').find_map(|o| o.strip_prefix("DLM=")).map(str::to_owned);
                let mut records = Vec::new();
                loop {
                    let Some(data) = lines.get(i) else {
                        return Err(err(start, "in-stream data without its delimiter"));
                    };
                    let end = match &dlm {
                        Some(d) => data.starts_with(d.as_str()),
                        None => {
                            data.starts_with("/*") || (operands == "*" && data.starts_with("//"))
                        }
                    };
                    if end {
                        if dlm.is_some() || data.starts_with("/*") {
                            i += 1;
                        }
                        break;
                    }
                    records.push((*data).to_owned());
                    i += 1;
                }
                let input = if step.program == Program::Idcams { "SYSIN" } else { "SYSTSIN" };
                if field == input {
                    step.systsin = records;
                }
            }
            "IF" => {
                if let Some(step) = current.take() {
                    push(&mut stack, &mut top, Stmt::Step(step));
                }
                let expr =
                    operands.strip_suffix("THEN").ok_or_else(|| err(start, "IF without THEN"))?;
                let cond = parse_cond(expr).map_err(|r| err(start, &r))?;
                stack.push((cond, Vec::new(), Vec::new(), false));
            }
            "ELSE" => {
                if let Some(step) = current.take() {
                    push(&mut stack, &mut top, Stmt::Step(step));
                }
                let open = stack.last_mut().ok_or_else(|| err(start, "ELSE without IF"))?;
                open.3 = true;
            }
            "ENDIF" => {
                if let Some(step) = current.take() {
                    push(&mut stack, &mut top, Stmt::Step(step));
                }
                let (cond, then, otherwise, _) =
                    stack.pop().ok_or_else(|| err(start, "ENDIF without IF"))?;
                push(&mut stack, &mut top, Stmt::If { cond, then, otherwise });
            }
            _ => {
                return Err(err(
                    start,
                    &format!("`{}` is not a statement the simulator knows", line.trim()),
                ));
            }
        }
    }
    if let Some(step) = current.take() {
        push(&mut stack, &mut top, Stmt::Step(step));
    }
    if !stack.is_empty() {
        return Err(err(lines.len().saturating_sub(1), "an IF without ENDIF"));
    }
    let name = name.ok_or_else(|| err(0, "no JOB statement"))?;
    Ok(Job { name, body: top })
}

fn parse_cond(text: &str) -> Result<Cond, String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if "()&|".contains(c) {
            tokens.push(c.to_string());
            i += 1;
        } else if "<>=¬".contains(c) {
            let mut t = c.to_string();
            if chars.get(i + 1) == Some(&'=')
                || (c == '¬' && matches!(chars.get(i + 1), Some('<' | '>')))
            {
                t.push(chars[i + 1]);
                i += 1;
            }
            tokens.push(t);
            i += 1;
        } else {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '.' | '$' | '#' | '@'))
            {
                i += 1;
            }
            if start == i {
                return Err(format!("unexpected `{c}` in an IF expression"));
            }
            tokens.push(chars[start..i].iter().collect());
        }
    }
    let mut p = CondParser { tokens, pos: 0 };
    let cond = p.or()?;
    if p.pos != p.tokens.len() {
        return Err("unexpected words after the IF expression".into());
    }
    Ok(cond)
}

struct CondParser {
    tokens: Vec<String>,
    pos: usize,
}

impl CondParser {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.pos).map(String::as_str)
    }

    fn next(&mut self) -> Option<String> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn or(&mut self) -> Result<Cond, String> {
        let mut left = self.and()?;
        while matches!(self.peek(), Some("|" | "OR")) {
            self.pos += 1;
            left = Cond::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Cond, String> {
        let mut left = self.unary()?;
        while matches!(self.peek(), Some("&" | "AND")) {
            self.pos += 1;
            left = Cond::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Cond, String> {
        match self.peek() {
            Some("¬" | "NOT") => {
                self.pos += 1;
                Ok(Cond::Not(Box::new(self.unary()?)))
            }
            Some("(") => {
                self.pos += 1;
                let c = self.or()?;
                if self.next().as_deref() != Some(")") {
                    return Err("a parenthesis is not closed in the IF expression".into());
                }
                Ok(c)
            }
            _ => self.relation(),
        }
    }

    fn relation(&mut self) -> Result<Cond, String> {
        let word = self.next().ok_or("the IF expression ends early")?;
        let (step, keyword) = match word.rsplit_once('.') {
            Some((s, k)) => (Some(s.to_owned()), k.to_owned()),
            None => (None, word.clone()),
        };
        match keyword.as_str() {
            "RC" => {
                let op = match self.next().as_deref() {
                    Some("=" | "EQ") => Op::Eq,
                    Some("¬=" | "NE") => Op::Ne,
                    Some("<" | "LT" | "¬>=") => Op::Lt,
                    Some("<=" | "LE" | "¬>" | "NG") => Op::Le,
                    Some(">" | "GT") => Op::Gt,
                    Some(">=" | "GE" | "¬<" | "NL") => Op::Ge,
                    other => return Err(format!("unknown operator {other:?} after RC")),
                };
                let value = self
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("RC is compared with no number")?;
                Ok(Cond::Rc { step, op, value })
            }
            "RUN" | "ABEND" => {
                let mut negated = false;
                if matches!(self.peek(), Some("=" | "EQ")) {
                    self.pos += 1;
                    negated = match self.next().as_deref() {
                        Some("TRUE") => false,
                        Some("FALSE") => true,
                        other => return Err(format!("{keyword} compared with {other:?}")),
                    };
                }
                if keyword == "RUN" {
                    let step = step.ok_or("RUN needs a step name")?;
                    Ok(Cond::Run { step, negated })
                } else {
                    Ok(Cond::Abend { step, negated })
                }
            }
            _ => Err(format!("`{word}` is not a relational expression the simulator knows")),
        }
    }
}

fn eval(cond: &Cond, runs: &[StepRun]) -> bool {
    let executed = |name: &str| runs.iter().rev().find(|s| s.name == name && s.executed);
    match cond {
        Cond::Rc { step, op, value } => {
            let rc = match step {
                // The step must have run; otherwise the expression is false (MVS JCL Reference,
                // "Relational-expression field").
                Some(name) => match executed(name).and_then(|s| s.rc) {
                    Some(rc) => rc,
                    None => return false,
                },
                None => runs.iter().filter_map(|s| s.rc).max().unwrap_or(0),
            };
            match op {
                Op::Eq => rc == *value,
                Op::Ne => rc != *value,
                Op::Lt => rc < *value,
                Op::Le => rc <= *value,
                Op::Gt => rc > *value,
                Op::Ge => rc >= *value,
            }
        }
        Cond::Run { step, negated } => executed(step).is_some() != *negated,
        // The simulator never abends a step.
        Cond::Abend { negated, .. } => *negated,
        Cond::Not(c) => !eval(c, runs),
        Cond::And(a, b) => eval(a, runs) && eval(b, runs),
        Cond::Or(a, b) => eval(a, runs) || eval(b, runs),
    }
}

/// Joins SYSTSIN records into logical commands: a record ending in `-` continues with the next
/// record as written, one ending in `+` with the next record's first non-blank. Returns each
/// command with its physical records (for the echo).
pub fn logical_commands(records: &[String]) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut physical = Vec::new();
    let mut strip_next = false;
    for record in records {
        let r = record.trim_end();
        physical.push(r.to_owned());
        let piece = if strip_next { r.trim_start() } else { r };
        strip_next = false;
        if let Some(head) = piece.strip_suffix('-') {
            text.push_str(head);
        } else if let Some(head) = piece.strip_suffix('+') {
            text.push_str(head);
            strip_next = true;
        } else {
            text.push_str(piece);
            out.push((std::mem::take(&mut text), std::mem::take(&mut physical)));
        }
    }
    if !physical.is_empty() {
        out.push((text, physical));
    }
    out
}

impl Racf {
    /// Runs a TSO step: SYSTSPRT gets `READY`, each command's records and its output, and the
    /// program decides what a failing command does to the rest.
    pub fn run_step(
        &mut self,
        program: Program,
        systsin: &[String],
        ds: &mut DataSets,
        job: &str,
    ) -> (u16, Vec<CommandRun>, Vec<String>) {
        if program == Program::Idcams {
            return self.run_idcams(systsin, ds, job);
        }
        let mut print = Vec::new();
        let mut runs = Vec::new();
        let mut rc = 0;
        for (text, physical) in logical_commands(systsin) {
            print.push("READY".to_owned());
            print.extend(physical);
            // A record of nothing but a comment is no command: it leaves the step RC alone.
            let is_command = !matches!(zat_racf_state::parse_command(&text), Ok(None));
            let run = self.execute(&text, ds, job);
            print.extend(run.output.iter().cloned());
            let command_rc = run.rc;
            runs.push(run);
            if is_command {
                rc = command_rc;
            }
            // END ends the terminal monitor program: later records are not read.
            if matches!(zat_racf_state::parse_command(&text), Ok(Some(c)) if c.verb == "END") {
                break;
            }
            if command_rc != 0 && program != Program::Ikjeft01 {
                break;
            }
        }
        print.push("READY".to_owned());
        print.push("END".to_owned());
        (rc, runs, print)
    }

    /// An IDCAMS step: each command's code is LASTCC, the highest so far MAXCC (the step RC),
    /// and `IF LASTCC = n THEN SET MAXCC = m` (or a plain `SET MAXCC = m`) changes it. A
    /// command the simulator does not know ends with code 12, so that a gap shows in a test.
    fn run_idcams(
        &mut self,
        sysin: &[String],
        ds: &mut DataSets,
        job: &str,
    ) -> (u16, Vec<CommandRun>, Vec<String>) {
        let mut print = vec!["IDCAMS  SYSTEM SERVICES".to_owned()];
        let mut runs = Vec::new();
        let (mut last, mut max) = (0_u16, 0_u16);
        for record in sysin {
            let text = record.trim();
            if text.is_empty() || text.starts_with("/*") {
                continue;
            }
            print.push(format!("  {text}"));
            let words: Vec<&str> = text.split_whitespace().collect();
            match words.as_slice() {
                ["DELETE", name, rest @ ..] if rest.iter().all(|w| *w == "NONVSAM") => {
                    // The TSO command calls the same service, with the same messages and codes.
                    let run = self.execute(&format!("DELETE '{name}'"), ds, job);
                    print.extend(run.output.iter().cloned());
                    last = run.rc;
                    max = max.max(last);
                    runs.push(run);
                }
                ["IF", "LASTCC", "=", code, "THEN", "SET", "MAXCC", "=", value] => {
                    if code.parse() == Ok(last) {
                        max = value.parse().unwrap_or(12);
                    }
                }
                ["SET", "MAXCC", "=", value] => max = value.parse().unwrap_or(12),
                _ => {
                    print.push(format!("IDC3211I KEYWORD OR COMMAND NOT SIMULATED: {text}"));
                    last = 12;
                    max = max.max(last);
                }
            }
        }
        print
            .push(format!("IDC0002I IDCAMS PROCESSING COMPLETE. MAXIMUM CONDITION CODE WAS {max}"));
        (max, runs, print)
    }

    /// The SYSTSPRT of a batch TSO step (IKJEFT01) running `commands`: what a DISCOVER job
    /// prints, and what [`zat_racf_state::parse`] reads.
    pub fn listing(&mut self, commands: &[String]) -> String {
        let mut ds = DataSets::new();
        let (_, _, print) = self.run_step(Program::Ikjeft01, commands, &mut ds, "DISCOVER");
        let mut text = print.join("\n");
        text.push('\n');
        text
    }

    /// Runs a job's JCL against this database and the shared data sets.
    pub fn run_job(&mut self, jcl: &str, ds: &mut DataSets) -> JobRun {
        let job = match parse_job(jcl) {
            Ok(job) => job,
            Err(e) => {
                let name = jcl
                    .lines()
                    .next()
                    .and_then(|l| l.get(2..))
                    .and_then(|l| l.split_whitespace().next())
                    .unwrap_or("")
                    .to_owned();
                return JobRun { job: name, jcl_error: Some(e), steps: Vec::new() };
            }
        };
        let mut steps = Vec::new();
        self.run_stmts(&job.name, &job.body, true, ds, &mut steps);
        JobRun { job: job.name, jcl_error: None, steps }
    }

    fn run_stmts(
        &mut self,
        job: &str,
        body: &[Stmt],
        enabled: bool,
        ds: &mut DataSets,
        steps: &mut Vec<StepRun>,
    ) {
        for stmt in body {
            match stmt {
                Stmt::Step(step) => {
                    if enabled {
                        let (rc, commands, systsprt) =
                            self.run_step(step.program, &step.systsin, ds, job);
                        steps.push(StepRun {
                            name: step.name.clone(),
                            program: step.program,
                            executed: true,
                            rc: Some(rc),
                            commands,
                            systsprt,
                        });
                    } else {
                        steps.push(StepRun {
                            name: step.name.clone(),
                            program: step.program,
                            executed: false,
                            rc: None,
                            commands: Vec::new(),
                            systsprt: Vec::new(),
                        });
                    }
                }
                Stmt::If { cond, then, otherwise } => {
                    let truth = enabled && eval(cond, steps);
                    self.run_stmts(job, then, enabled && truth, ds, steps);
                    self.run_stmts(job, otherwise, enabled && !truth, ds, steps);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_joins_records() {
        let records = vec![
            " PERMIT A CLASS(X) -".to_owned(),
            "   ID(B)".to_owned(),
            " RLIST X +".to_owned(),
            "   A AUTHUSER".to_owned(),
        ];
        let cmds = logical_commands(&records);
        assert_eq!(cmds.len(), 2);
        assert_eq!(cmds[0].0, " PERMIT A CLASS(X)    ID(B)");
        assert_eq!(cmds[1].0, " RLIST X A AUTHUSER");
        assert_eq!(cmds[0].1.len(), 2);
    }

    #[test]
    fn conditions_parse_and_evaluate() {
        let run = |name: &str, rc: Option<u16>| StepRun {
            name: name.into(),
            program: Program::Ikjeft01,
            executed: rc.is_some(),
            rc,
            commands: Vec::new(),
            systsprt: Vec::new(),
        };
        let steps = vec![run("A", Some(0)), run("B", Some(4)), run("C", None)];
        let check = |text: &str| eval(&parse_cond(text).expect("parses"), &steps);
        assert!(check("(A.RC = 0)"));
        assert!(!check("(B.RC = 0)"));
        assert!(!check("(C.RC = 0)"), "a step that did not run makes the relation false");
        assert!(!check("(C.RC ¬= 0)"));
        assert!(check("(RC <= 4)"));
        assert!(!check("(RC < 4)"));
        assert!(check("(A.RC = 0 & B.RC GE 4)"));
        assert!(check("(C.RUN = FALSE | A.RC = 8)"));
        assert!(check("¬(B.RC = 0)"));
        assert!(parse_cond("(A.RC = )").is_err());
    }

    #[test]
    fn unknown_statements_are_jcl_errors() {
        let jcl = "//J JOB (A),'X'\n//ZATSTOP  EDIT-THIS\n//S EXEC PGM=IKJEFT01\n";
        let e = parse_job(jcl).expect_err("a JCL error");
        assert_eq!(e.line, 2);
        assert!(parse_job("//J JOB (A)\n// IF (S.RC = 0) THEN\n").is_err());
        assert!(parse_job("//J JOB (A)\n//S EXEC PGM=IEFBR14\n").is_err());
    }
}
