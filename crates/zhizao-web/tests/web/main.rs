//! The web layer's integration tests, linked into one binary: the API's contract, tenant
//! isolation on every endpoint, the pages, and a real browser.

mod api;
mod assessments;
mod browser;
mod dashboard;
mod devices;
mod factories;
mod factory_setup;
mod join;
mod major;
mod markers;
mod open_data;
mod pages;
mod projects;
mod requests;
mod services;
mod solutions;
mod support;
mod talent;
mod telemetry;
mod tenancy;
mod training;
