//! The HTTP API, one module per area; each exposes `router()`, an [`Api`].

use axum::{
    Router,
    extract::DefaultBodyLimit,
    handler::Handler,
    http::Method,
    routing::{MethodFilter, on},
};

use crate::AppState;

pub mod audit;
pub mod auth;
pub mod backup;
pub mod consolidation;
// The follow-up's dashboards and a project's story (issue 15, dash).
pub mod dashboard;
pub mod devices;
// The PAC as a printed document (issue 14).
pub mod document;
pub mod gender;
pub mod meta;
pub mod monitoring;
// The follow-up's execution records (issue 15, exec).
pub mod execution;
// The council's bodies and opinions (issue 14).
pub mod opinions;
pub mod people;
pub mod photos;
// The three-year programming and the annual evaluation (issue 15, plan3).
pub mod plan;
pub mod priorities;
// The PAC's procedure, versions and signed documents (issue 14, proc).
pub mod procedure;
pub mod programme;
// Public pages, publishing and open data (issue 16, public).
pub mod public;
pub mod reference;
pub mod sessions;
pub mod setup;
pub mod structure;
pub mod sync;
pub mod territory;

/// Routes as they are added, each with its method and path: axum's `Router` cannot list its
/// routes, and the permission test must know every one (a route added without a rule in its
/// table fails it). Every `/api/…` route is added through here.
pub struct Api {
    router: Router<AppState>,
    routes: Vec<(Method, &'static str)>,
}

impl Default for Api {
    fn default() -> Self {
        Self::new()
    }
}

impl Api {
    pub fn new() -> Self {
        Api {
            router: Router::new(),
            routes: Vec::new(),
        }
    }

    fn add<H, T>(mut self, method: Method, filter: MethodFilter, path: &'static str, h: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        // Two methods on one path merge into one route (axum merges method routers).
        self.router = self.router.route(path, on(filter, h));
        self.routes.push((method, path));
        self
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add(Method::GET, MethodFilter::GET, path, h)
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add(Method::POST, MethodFilter::POST, path, h)
    }

    pub fn put<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add(Method::PUT, MethodFilter::PUT, path, h)
    }

    pub fn patch<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add(Method::PATCH, MethodFilter::PATCH, path, h)
    }

    pub fn delete<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add(Method::DELETE, MethodFilter::DELETE, path, h)
    }

    pub fn merge(mut self, other: Api) -> Self {
        self.router = self.router.merge(other.router);
        self.routes.extend(other.routes);
        self
    }

    /// The body limit of every route added so far.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.router = self.router.layer(DefaultBodyLimit::max(bytes));
        self
    }

    /// Every route: method and path as declared (`{id}` for parameters).
    pub fn routes(&self) -> &[(Method, &'static str)] {
        &self.routes
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}
