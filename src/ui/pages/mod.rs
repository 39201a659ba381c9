//! The pages, one file each (the lessons a folder of their own): what a route shows. The
//! components they are made of (panels, inspectors, cards, their models) live beside this folder
//! in `ui/`.

pub mod account;
pub mod admin;
pub mod attacks;
pub mod audit;
pub mod compare;
pub mod home;
pub mod lessons;
pub mod playground;
pub mod progress;
pub mod register;
pub mod scale;
pub mod teach;
pub mod workbench;
