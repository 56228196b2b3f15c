//! The vext server: storage, services, the HTTP front and the CLI.

pub mod cli;
pub mod config;
pub mod http;
pub mod ports;
pub mod services;
pub mod store;
pub mod telemetry;
