//! Page components, one concept per file.

pub mod attack_csrf;
pub mod attack_xss;
pub mod attacks;
pub mod audit_page;
pub mod compare;
pub mod compare_model;
pub mod demo_accounts;
pub mod exclusive;
pub mod home;
pub mod jwt_inspector;
pub mod jwt_model;
pub mod jwt_panel;
pub mod lessons;
pub mod login_form;
pub mod logout_matrix_view;
pub mod page_agent;
pub mod playground;
pub mod register;
pub mod replay_timeline;
pub mod scale;
pub mod session_inspector;
pub mod session_model;
pub mod session_panel;
pub mod ssr_view;
pub mod trace_view;
pub mod when;
