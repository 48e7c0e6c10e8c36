//! CEEOPTS emitter: BAQURI/BAQPORT in-stream data for API requesters.
