//! Page components, one concept per file.

pub mod attack_cards;
pub mod auth_cost_view;
pub mod browser;
pub mod client;
pub mod compare_model;
pub mod demo_accounts;
pub mod exclusive;
pub mod figures;
pub mod hydrated;
pub mod jwt_inspector;
pub mod jwt_model;
pub mod jwt_panel;
pub mod login_form;
pub mod logout_matrix_view;
pub mod page_agent;
pub mod pages;
pub mod replay_timeline;
pub mod session_inspector;
pub mod session_model;
pub mod session_panel;
pub mod ssr_view;
pub mod trace_view;
pub mod when;
pub mod workbench;
