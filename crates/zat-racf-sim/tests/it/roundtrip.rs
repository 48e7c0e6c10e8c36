//! DISCOVER listings written by the simulator read back by the parser.
