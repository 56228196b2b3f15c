//! Sign-in and sign-out. The session cookie is `HttpOnly`, `SameSite=Strict`, and, behind
//! HTTPS, `Secure` with the `__Host-` prefix.

use crate::error::AppError;
use leptos::prelude::*;

/// What these server functions need from the server.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait SessionsPort: Send + Sync + 'static {
    /// Checks the credentials and opens a session; returns its token. Every failure is
    /// `Unauthorized`, after the same work.
    async fn sign_in(
        &self,
        email: String,
        password: String,
        client: crate::model::admin::ClientInfo,
    ) -> Result<String, AppError>;
    async fn sign_out(&self, token: String) -> Result<(), AppError>;
}

/// The session cookie's name and whether it is HTTPS-only (the server puts this in context).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionCookie {
    pub name: &'static str,
    pub secure: bool,
}

impl SessionCookie {
    pub fn for_https(https: bool) -> Self {
        if https {
            Self { name: "__Host-vext_session", secure: true }
        } else {
            Self { name: "vext_session", secure: false }
        }
    }
}

#[cfg(feature = "ssr")]
impl SessionCookie {
    /// The `Set-Cookie` value that stores `token` (or, with `None`, removes the cookie).
    pub fn header(&self, token: Option<&str>) -> String {
        let mut cookie = cookie::Cookie::build((self.name, token.unwrap_or_default()))
            .path("/")
            .http_only(true)
            .same_site(cookie::SameSite::Strict)
            .secure(self.secure);
        if token.is_none() {
            cookie = cookie.max_age(cookie::time::Duration::ZERO);
        }
        cookie.build().to_string()
    }

    /// Stores `token` in the browser (or, with `None`, removes the cookie) through the server
    /// function's response.
    fn send(&self, token: Option<&str>) {
        if let (Some(response), Ok(value)) =
            (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(&self.header(token)))
        {
            response.insert_header(http::header::SET_COOKIE, value);
        }
    }

    /// This cookie's value in a request's `Cookie` headers.
    pub fn read<'a>(&self, cookie_headers: impl Iterator<Item = &'a str>) -> Option<String> {
        cookie_headers
            .flat_map(cookie::Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|cookie| cookie.name() == self.name)
            .map(|cookie| cookie.value().to_string())
            .filter(|value| !value.is_empty())
    }
}

/// Where to go after signing in: a path on this site, never another site.
///
/// `next` is parsed the way a browser would resolve it against this site's origin (the WHATWG
/// URL parser: TAB and newlines dropped, `\` read as `/` and so on), so `/\t/evil.example`
/// and `/\evil.example` are seen as the other host they are. Only a relative path that stays on
/// this origin is kept, in its serialized (percent-encoded, header-safe) form; anything else
/// goes to the Virtual Extension page.
#[cfg(feature = "ssr")]
pub fn safe_next(next: &str) -> String {
    const ORIGIN: &str = "http://vext.invalid";
    let fallback = || crate::paths::VIRTUAL_EXTENSIONS.to_string();
    let Ok(base) = url::Url::parse(ORIGIN) else { return fallback() };
    // A relative path only: a full URL naming this origin is still not what the page sends.
    if !next.starts_with('/') {
        return fallback();
    }
    match base.join(next) {
        Ok(target) if target.origin() == base.origin() && target.username().is_empty() => {
            let start = target.as_str().len() - target[url::Position::BeforePath..].len();
            let path = &target.as_str()[start..];
            // Two leading slashes would read as a host when the browser resolves the header.
            if path.starts_with("//") {
                fallback()
            } else {
                path.to_string()
            }
        }
        _ => fallback(),
    }
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, next: String) -> Result<(), AppError> {
    use super::port::{port, SignInThrottled};
    use crate::model::admin::ClientInfo;
    let parts = use_context::<http::request::Parts>();
    // The server's gate counted this address's attempts; refused here, not there, so that a
    // form post without JavaScript comes back to the sign-in page saying how long to wait.
    if let Some(SignInThrottled { retry_after_secs }) =
        parts.as_ref().and_then(|parts| parts.extensions.get::<SignInThrottled>().copied())
    {
        return Err(AppError::TooManyRequests { retry_after_secs });
    }
    // The server's gate works out the client (peer address, or a trusted proxy's header).
    let client = parts.and_then(|parts| parts.extensions.get::<ClientInfo>().cloned()).unwrap_or_default();
    // Decided before the session exists: nothing after the sign-in may fail.
    let next = safe_next(&next);
    let token = port::<dyn SessionsPort>()?.sign_in(email, password, client).await?;
    let cookie = use_context::<SessionCookie>().unwrap_or(SessionCookie::for_https(false));
    cookie.send(Some(&token));
    leptos_axum::redirect(&next);
    Ok(())
}

/// The signed-in administrator (the pages show and hide controls by role; the server decides).
#[server(endpoint = "current_admin")]
pub async fn current_admin() -> Result<crate::model::admin::Actor, AppError> {
    super::port::actor()
}

/// Ends every session of the signed-in administrator, this one included.
#[server(endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    use super::admins::AdminsPort;
    use super::port::{actor, port};
    let me = actor()?;
    port::<dyn AdminsPort>()?.end_sessions(&me, me.id.clone(), None).await?;
    use_context::<SessionCookie>().unwrap_or(SessionCookie::for_https(false)).send(None);
    leptos_axum::redirect(crate::paths::SIGN_IN);
    Ok(())
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use super::port::port;
    let cookie = use_context::<SessionCookie>().unwrap_or(SessionCookie::for_https(false));
    let token = use_context::<http::request::Parts>().and_then(|parts| {
        cookie.read(parts.headers.get_all(http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()))
    });
    if let Some(token) = token {
        port::<dyn SessionsPort>()?.sign_out(token).await?;
    }
    cookie.send(None);
    leptos_axum::redirect(crate::paths::SIGN_IN);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "ssr")]
    #[test]
    fn cookies_are_strict_and_https_only_behind_https() {
        let attributes = |header: String| {
            let mut parts: Vec<String> = header.split("; ").map(str::to_string).collect();
            parts[1..].sort();
            parts
        };
        let plain = SessionCookie::for_https(false);
        assert_eq!(
            attributes(plain.header(Some("t"))),
            ["vext_session=t", "HttpOnly", "Path=/", "SameSite=Strict"]
        );
        let https = SessionCookie::for_https(true);
        assert_eq!(
            attributes(https.header(Some("t"))),
            ["__Host-vext_session=t", "HttpOnly", "Path=/", "SameSite=Strict", "Secure"]
        );
        assert_eq!(
            attributes(plain.header(None)),
            ["vext_session=", "HttpOnly", "Max-Age=0", "Path=/", "SameSite=Strict"]
        );
        assert_eq!(plain.read(["a=1; vext_session=abc; b=2"].into_iter()), Some("abc".into()));
        assert_eq!(plain.read(["vext_session="].into_iter()), None);
        assert_eq!(https.read(["vext_session=abc"].into_iter()), None);
    }

    #[test]
    #[cfg(feature = "ssr")]
    fn next_stays_on_this_site() {
        let home = crate::paths::VIRTUAL_EXTENSIONS;
        for (next, expected) in [
            (
                "/services/call/features/virtual-extension/new",
                "/services/call/features/virtual-extension/new",
            ),
            ("/tasks?page=2#top", "/tasks?page=2#top"),
            // Control characters the browser would drop are dropped; what is left is header-safe.
            ("/\r", "/"),
            ("/tasks\r\n", "/tasks"),
            ("/caf\u{e9} x", "/caf%C3%A9%20x"),
            ("/a/../b", "/b"),
        ] {
            assert_eq!(safe_next(next), expected, "{next:?}");
        }
        for bad in [
            "//evil.example",
            "https://evil.example",
            "http://vext.invalid/",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "\t//evil.example",
            " /evil",
            "\\\\evil.example",
            "javascript:alert(1)",
            "//user@evil.example",
            "/.//evil.example",
            "",
        ] {
            assert_eq!(safe_next(bad), home, "{bad:?}");
        }
    }
}
