//! Cross-site request protection. Leptos server functions do no CSRF checking, so every
//! state-changing request (anything but GET, HEAD, OPTIONS) must come from vext's own pages:
//! `Sec-Fetch-Site` must be `same-origin` or `none`; lacking it, `Origin` must be vext's own.
//! Requests with neither header come from scripts and the CLI, not from browsers, and pass.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Who counts as "vext itself".
#[derive(Clone, Debug, Default)]
pub struct Origins {
    /// Configured public origins (`https://vext.example.com`), for deployments behind a proxy.
    /// When empty, the request's own `Host` is vext's origin.
    pub public: Vec<String>,
}

impl Origins {
    pub fn from_config(public_origin: Option<&str>) -> Self {
        let public = public_origin
            .into_iter()
            .flat_map(|list| list.split(','))
            .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
            .filter(|o| !o.is_empty())
            .collect();
        Self { public }
    }

    fn allows(&self, origin: &str, host: Option<&str>) -> bool {
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        if !self.public.is_empty() {
            return self.public.contains(&origin);
        }
        let Some(host) = host.map(str::to_ascii_lowercase) else { return false };
        origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) == Some(host.as_str())
    }
}

/// Why a request is refused, or `None` when it may proceed.
pub fn refusal(method: &Method, headers: &HeaderMap, origins: &Origins) -> Option<&'static str> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        return match site {
            "same-origin" | "none" => None,
            _ => Some("cross-site request refused (Sec-Fetch-Site)"),
        };
    }
    match text(header::ORIGIN.as_str()) {
        None => None,
        Some(origin) if origins.allows(origin, text(header::HOST.as_str())) => None,
        Some(_) => Some("cross-site request refused (Origin)"),
    }
}

pub async fn guard(State(origins): State<Arc<Origins>>, request: Request, next: Next) -> Response {
    if let Some(reason) = refusal(request.method(), request.headers(), &origins) {
        tracing::warn!(method = %request.method(), path = %request.uri().path(), reason, "refused");
        return (StatusCode::FORBIDDEN, "This request did not come from vext's own pages and was refused.")
            .into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn decides_by_fetch_metadata_then_origin() {
        let own = Origins::default();
        let post = Method::POST;
        assert_eq!(refusal(&Method::GET, &headers(&[("sec-fetch-site", "cross-site")]), &own), None);
        assert_eq!(refusal(&post, &headers(&[("sec-fetch-site", "same-origin")]), &own), None);
        assert_eq!(refusal(&post, &headers(&[("sec-fetch-site", "none")]), &own), None);
        assert!(refusal(&post, &headers(&[("sec-fetch-site", "same-site")]), &own).is_some());
        assert!(refusal(&post, &headers(&[("sec-fetch-site", "cross-site")]), &own).is_some());
        assert_eq!(
            refusal(
                &post,
                &headers(&[("origin", "http://vext.local:3000"), ("host", "vext.local:3000")]),
                &own
            ),
            None
        );
        assert!(refusal(
            &post,
            &headers(&[("origin", "http://evil.example"), ("host", "vext.local:3000")]),
            &own
        )
        .is_some());
        assert!(refusal(&post, &headers(&[("origin", "null"), ("host", "vext.local:3000")]), &own).is_some());
        assert_eq!(refusal(&post, &headers(&[]), &own), None, "scripts send neither header");
    }

    #[test]
    fn a_configured_public_origin_replaces_the_host() {
        let proxied = Origins::from_config(Some("https://vext.example.com/, https://alt.example.com"));
        let post = Method::POST;
        assert_eq!(
            refusal(
                &post,
                &headers(&[("origin", "https://vext.example.com"), ("host", "10.0.0.5:3000")]),
                &proxied
            ),
            None
        );
        assert_eq!(refusal(&post, &headers(&[("origin", "https://ALT.example.com")]), &proxied), None);
        assert!(refusal(
            &post,
            &headers(&[("origin", "http://10.0.0.5:3000"), ("host", "10.0.0.5:3000")]),
            &proxied
        )
        .is_some());
    }
}
