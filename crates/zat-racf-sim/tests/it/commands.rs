//! The simulator's RACF commands one at a time: effects, messages and return codes.
