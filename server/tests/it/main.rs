//! The server's integration tests, in one binary (one link step): each module is one area,
//! `common` the throwaway databases and the web helpers they share.

#[macro_use]
mod common;

mod admins;
mod api;
mod cli;
mod edits;
mod hostile;
mod http;
mod import;
mod kill;
mod operations;
mod replicas;
mod rules;
mod sessions;
mod store;
mod tasks;
