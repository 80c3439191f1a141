//! Scenarios: placeholder.
