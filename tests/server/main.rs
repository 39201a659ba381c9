//! The server's tests, one module per subject, in one binary (the crate is linked once for all of
//! them). They drive the real router on real SQLite files (`common`), and where a module says so
//! the real server binary, real `redis-server` processes and real HTTP between them: no mocks.
//! Every module names its tests after the behaviour or the attack they hold the lab to.

mod common;

mod account_events;
mod accounts;
mod attacks;
mod audit;
mod auth_cost;
mod bff;
mod challenges;
mod classes;
mod credentials;
mod defences_off;
mod demo_accounts;
mod dpop;
mod fuzz;
mod hardening;
mod jwt;
mod jwt_cookie;
mod jwt_edges;
mod lab_experiments;
mod refresh_rotation;
mod scale_lab;
mod scale_out;
mod server_log;
mod serving;
mod session;
mod session_header;
mod session_race;
mod set_aside;
mod streams;
mod workbench_forge;
