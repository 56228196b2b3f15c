//! The vext server: storage, services, the HTTP front and the CLI.

pub mod auth;
pub mod backend;
pub mod cli;
pub mod config;
pub mod export;
pub mod http;
pub mod imports;
pub mod jobs;
pub mod protect;
pub mod ratelimit;
pub mod services;
pub mod store;
