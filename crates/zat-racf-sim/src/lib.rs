//! A test-only simulator of a RACF database: it executes the batch TSO jobs the emitters write
//! (JCL, IF/THEN logic, TSO continuation, RACF commands with their documented effects and return
//! codes), records what each command did, renders the DISCOVER listings in IBM's formats, and
//! checks a run (intended state reached, no access lowered, nothing removed, idempotence,
//! back-out, data sets read before they are written). Never a normal dependency.

mod checks;
mod jcl;
mod listing;
mod racf;

pub use checks::{
    Change, Expected, Grant, Lowered, Object, OrderWait, Wait, diff, lowered_access, missing,
    order_waits, removed, waits,
};
pub use jcl::{JclError, Job, JobRun, Program, StepRun, logical_commands, parse_job};
pub use racf::{CommandRun, Config, DataSet, DataSetUse, DataSets, Effect, Racf, data_set_use};
