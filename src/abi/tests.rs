//! Unit tests of `abi`, one file per concern: the layouts checked against C, and the safe
//! views of the unions.

mod layout;
mod view;
