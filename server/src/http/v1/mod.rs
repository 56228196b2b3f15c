//! The REST API under `/v1`: the cloud product's public API for virtual extensions, so that a
//! script or SDK written against it works with vext by changing its base URL and token. Every
//! handler calls `crate::services`, the same rules as the pages, the CSV and the CLI.
//!
//! Only `Authorization: Bearer <API token>` is accepted (and, for the phone systems' read-only
//! look-ups, the token as Basic authentication's password): a browser's session cookie is not
//! (so `/v1` has nothing to forge across sites), and the pages take no token. Each token has
//! its own rate limit. Every answer carries a `TrackingID` header (the request's, or a new
//! one), also in the server's log line; refusals have the body [`error::ErrorBody`].

mod calls;
pub mod error;
mod imports;
mod json;
mod locations;
mod lookups;
mod organizations;
mod ranges;
mod virtual_extensions;

use super::auth::client_address;
use super::ratelimit::TokenBuckets;
use crate::services::tokens::TokenCache;
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use error::{ApiError, TRACKING_ID};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Instant;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// The tracking header clients send and every answer carries.
pub static TRACKING_HEADER: HeaderName = HeaderName::from_static("trackingid");
/// Longest tracking id taken from a client (longer ones are replaced).
const TRACKING_MAX: usize = 128;

/// What the API's handlers share.
#[derive(Clone)]
pub struct Api {
    pub db: DatabaseConnection,
    pub tokens: Arc<TokenCache>,
    pub limits: Arc<TokenBuckets>,
    /// `VEXT_PUBLIC_ORIGIN`'s first origin, for the absolute URLs of `Link` headers; else the
    /// request's own `Host`.
    pub public_origin: Option<String>,
    pub trust_forwarded_for: bool,
    /// The organization's id, read once (it never changes): what `orgId` must name.
    pub organization: Arc<tokio::sync::OnceCell<String>>,
    pub imports: ImportJobs,
    /// The dial-plan snapshot this process answers from.
    pub dial_plans: Arc<crate::services::calls::DialPlans>,
    /// The phone directory of that snapshot, sorted by name.
    pub phone_books: Arc<crate::services::phones::PhoneBooks>,
}

/// What `/v1/vext/imports` shares with this replica's import worker.
#[derive(Clone, Default)]
pub struct ImportJobs {
    pub limits: app::model::csv::Limits,
    pub wake: Arc<tokio::sync::Notify>,
    pub board: crate::services::import::Board,
    /// Tokens whose validation runs now (one at a time each).
    pub validating: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

impl Api {
    /// The organization's id (read from the database the first time).
    pub(crate) async fn organization_id(&self) -> Result<&str, ApiError> {
        let id = self
            .organization
            .get_or_try_init(|| async {
                crate::services::settings::organization(&self.db).await.map(|o| o.id)
            })
            .await?;
        Ok(id.as_str())
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "vext REST API",
        description = "The virtual extensions API of the cloud calling product, served by vext: \
                       point a client at vext's base URL and give it a vext API token."
    ),
    components(schemas(error::ErrorBody, error::ErrorItem)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        // The phone systems' look-ups also take the token as Basic authentication's password.
        components.add_security_scheme("basic", SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)));
    }
}

/// The routes and their OpenAPI document (built from the handlers' own annotations).
fn routes(limits: app::model::csv::Limits) -> OpenApiRouter<Api> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(virtual_extensions::routes())
        .merge(locations::routes())
        .merge(organizations::routes())
        .merge(imports::routes(limits))
        .merge(ranges::routes())
        .merge(calls::routes())
        .merge(lookups::routes())
}

/// `/v1`, with its own authentication, rate limit, body limit and error answers.
pub fn router(api: Api) -> Router {
    let (routes, document) = routes(api.imports.limits).split_for_parts();
    let document = Arc::new(document);
    let authenticated = routes
        .fallback(|| async { ApiError::not_found("No such resource: see /v1/openapi.json for the routes.") })
        .layer(middleware::from_fn_with_state(api.clone(), authenticate))
        .with_state(api);
    Router::new()
        .route(
            "/v1/openapi.json",
            axum::routing::get(move || {
                let document = document.clone();
                async move { axum::Json((*document).clone()) }
            }),
        )
        .merge(Router::new().nest("/v1", authenticated))
        .layer(axum::extract::DefaultBodyLimit::max(json::BODY_LIMIT))
        .layer(middleware::from_fn(track))
}

/// Gives the request a tracking id (the client's `TrackingID`, or a new one), logs it, and puts
/// it on the answer.
async fn track(request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(&TRACKING_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= TRACKING_MAX && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string);
    // Without the client's own, the request's id (X-Request-Id): one id in every place.
    let id = given
        .or_else(crate::telemetry::request_id)
        .unwrap_or_else(|| format!("VEXT_{}", crate::store::new_id()));
    let span = tracing::info_span!("api", tracking_id = %id, method = %request.method(), path = %request.uri().path());
    // The phone systems' look-ups come at the call rate: logged at debug level only.
    let lookup = lookups::is_lookup(request.uri().path());
    let started = Instant::now();
    let mut response =
        TRACKING_ID.scope(id.clone(), tracing::Instrument::instrument(next.run(request), span.clone())).await;
    let (status, ms) = (response.status().as_u16(), started.elapsed().as_millis() as u64);
    span.in_scope(|| {
        if lookup {
            tracing::debug!(status, ms, "api request");
        } else {
            tracing::info!(status, ms, "api request");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(TRACKING_HEADER.clone(), value);
    }
    response
}

/// The token's actor, or 401; then the token's rate limit, or 429. The token comes as
/// `Authorization: Bearer <token>`; the phone systems' look-ups (read-only) also take it as the
/// password of Basic authentication, and are not rate limited.
async fn authenticate(State(api): State<Api>, mut request: Request, next: Next) -> Response {
    let lookup = lookups::is_lookup(request.uri().path());
    let refuse = |why: &str| {
        let mut response = ApiError::unauthorized(why).into_response();
        if lookup {
            // Phones and proxies send a URL's credentials once asked for them.
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"vext\", charset=\"UTF-8\""),
            );
        }
        response
    };
    let Some(secret) = credentials(request.headers(), lookup) else {
        let why = if request.headers().contains_key(header::COOKIE) {
            "The REST API takes an API token, not a browser session: send Authorization: Bearer <token>. \
             A full administrator creates tokens under Management > API Tokens."
        } else if lookup {
            "Send Authorization: Bearer <token>, or the token as the password of Basic authentication \
             (any user name; in a URL: https://phone:<token>@host/...). A full administrator creates \
             tokens under Management > API Tokens (or with `vext token create`)."
        } else {
            "Send Authorization: Bearer <token>, with a token a full administrator created under \
             Management > API Tokens (or with `vext token create`)."
        };
        return refuse(why);
    };
    let from = client_address(&request, api.trust_forwarded_for);
    let actor = match api.tokens.authenticate(&api.db, &secret, from).await {
        Ok(actor) => actor,
        Err(error) => {
            let error = app::error::AppError::from(error);
            return match error {
                app::error::AppError::Unauthorized => refuse(
                    "The token is not valid: it is unknown, revoked or expired. Ask a full administrator for a new one.",
                ),
                other => ApiError::from(other).into_response(),
            };
        }
    };
    if !lookup {
        if let Err(wait) = api.limits.take(&actor.id, Instant::now()) {
            return ApiError::too_many_requests(wait.as_secs().max(1)).into_response();
        }
    }
    if let Err(refused) = check_org_id(&api, request.uri().query()).await {
        return refused.into_response();
    }
    request.extensions_mut().insert(actor);
    next.run(request).await
}

/// The token a request carries: `Bearer <token>`, or (when `basic` is allowed) the password of
/// `Basic base64(user:password)`.
fn credentials(headers: &axum::http::HeaderMap, basic: bool) -> Option<String> {
    use base64::Engine as _;
    let (scheme, value) = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim().split_once(' ')?;
    let value = value.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(value.to_string()).filter(|t| !t.is_empty());
    }
    if basic && scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD.decode(value).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (_, password) = text.split_once(':')?;
        return Some(password.to_string()).filter(|t| !t.is_empty());
    }
    None
}

/// The optional `orgId` query parameter, on any route: accepted when it names this
/// organization, refused otherwise (a script pointed at the wrong organization stops at once).
async fn check_org_id(api: &Api, query: Option<&str>) -> Result<(), ApiError> {
    let Some(query) = query else { return Ok(()) };
    let Some((_, given)) = form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "orgId") else {
        return Ok(());
    };
    let given = given.trim();
    if given.is_empty() || given == api.organization_id().await? {
        return Ok(());
    }
    Err(ApiError::new(
        axum::http::StatusCode::FORBIDDEN,
        app::model::ErrorCode::OrganizationMismatch,
        "orgId names another organization: this vext serves one, whose id GET /v1/organizations/me tells. \
         Leave orgId out, or give that id.",
    ))
}

/// Puts on a list's answer the RFC 8288 `Link: <…>; rel="next"` to the page after it: `path`
/// (under `/v1`) with the `filters` the request gave, `max`, and `start` moved past what it showed.
pub(crate) fn link_next(
    response: &mut axum::response::Response,
    api: &Api,
    headers: &axum::http::HeaderMap,
    (path, params, filters): (&str, &json::Params, &[&str]),
    max: u64,
    next_start: u64,
) {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in params.given(filters) {
        query.append_pair(name, value);
    }
    query.append_pair("max", &max.to_string()).append_pair("start", &next_start.to_string());
    let link = format!("<{}/v1{path}?{}>; rel=\"next\"", origin(api, headers), query.finish());
    if let Ok(value) = HeaderValue::from_str(&link) {
        response.headers_mut().insert(header::LINK, value);
    }
}

/// The origin absolute URLs start with: the configured public origin, else the request's
/// `Host` (http).
pub(crate) fn origin(api: &Api, headers: &axum::http::HeaderMap) -> String {
    if let Some(origin) = &api.public_origin {
        return origin.clone();
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}")
}
