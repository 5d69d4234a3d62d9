//! What every request carries into its handler: the interface language now, the signed-in actor
//! later. One middleware resolves it, so an access check can later sit in that same place in
//! front of every page and API handler.

use std::{convert::Infallible, sync::Arc};

use axum::{
    Json,
    extract::{FromRequestParts, Request, State},
    http::{HeaderMap, HeaderValue, Uri, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{App, auth::Principal, error::Failure, i18n::Lang, pages};

/// The name of the cookie that remembers the chosen language.
const LANG_COOKIE: &str = "lang";

/// The context of one request, extracted by handlers as an argument.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub lang: Lang,
    /// The request's path without its query, for links back to the same page.
    pub path: String,
    /// The signed-in account, set by the route guard (`None` on public routes when signed out).
    pub principal: Option<Arc<Principal>>,
    /// The client's address, when the server recorded it.
    pub ip: Option<String>,
}

impl RequestContext {
    /// Reads the language from `?lang=` first, then the `lang` cookie, else Chinese. Also returns
    /// the language when it came from the query, so the response can remember it in a cookie.
    fn resolve(uri: &Uri, headers: &HeaderMap) -> (RequestContext, Option<Lang>) {
        let from_query = uri
            .query()
            .into_iter()
            .flat_map(|q| q.split('&'))
            .filter_map(|pair| pair.strip_prefix("lang="))
            .find_map(Lang::parse);
        let from_cookie = || {
            headers
                .get_all(header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .filter_map(|pair| pair.trim().strip_prefix("lang="))
                .find_map(Lang::parse)
        };
        let lang = from_query.or_else(from_cookie).unwrap_or_default();
        (RequestContext { lang, path: uri.path().to_owned(), principal: None, ip: None }, from_query)
    }

    /// The context from the request line and headers alone (before the guard signs it in).
    pub fn from_headers(uri: &Uri, headers: &HeaderMap) -> RequestContext {
        RequestContext::resolve(uri, headers).0
    }

    /// The signed-in principal; the guard guarantees one on every non-public route.
    pub fn principal(&self) -> Result<&Principal, crate::WebError> {
        self.principal.as_deref().ok_or(crate::WebError::Unauthorized)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // The middleware always inserts it; resolving again keeps a handler mounted without the
        // middleware (in a test, say) correct rather than panicking.
        Ok(match parts.extensions.get::<RequestContext>() {
            Some(ctx) => ctx.clone(),
            None => RequestContext::resolve(&parts.uri, &parts.headers).0,
        })
    }
}

/// Middleware in front of every HTML page: resolves the context, remembers a language chosen with
/// `?lang=` in a cookie, and writes error pages in the user's language.
pub(crate) async fn pages_layer(State(app): State<Arc<App>>, mut request: Request, next: Next) -> Response {
    let (ctx, chosen) = RequestContext::resolve(request.uri(), request.headers());
    request.extensions_mut().insert(ctx.clone());
    let mut response = next.run(request).await;
    if let Some(failure) = response.extensions().get::<Failure>().copied() {
        response = pages::error_page(&app, &ctx, failure);
    }
    if let Some(lang) = chosen {
        let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly", lang.code());
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    response
}

/// Middleware in front of the JSON API: the same context, and errors as
/// `{"error":{"code":…,"message":…}}` in the user's language.
pub(crate) async fn api_layer(mut request: Request, next: Next) -> Response {
    let (ctx, _) = RequestContext::resolve(request.uri(), request.headers());
    request.extensions_mut().insert(ctx.clone());
    let response = next.run(request).await;
    match response.extensions().get::<Failure>().copied() {
        Some(failure) => {
            let (_, message) = failure.text(ctx.lang);
            let body = serde_json::json!({ "error": { "code": failure.code(), "message": message } });
            (failure.status(), Json(body)).into_response()
        }
        None => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(uri: &str, cookie: Option<&str>) -> (Lang, Option<Lang>) {
        let mut headers = HeaderMap::new();
        if let Some(c) = cookie {
            headers.insert(header::COOKIE, HeaderValue::from_str(c).unwrap());
        }
        let (ctx, chosen) = RequestContext::resolve(&uri.parse().unwrap(), &headers);
        (ctx.lang, chosen)
    }

    #[test]
    fn query_beats_cookie_beats_default() {
        assert_eq!(resolve("/", None), (Lang::Zh, None));
        assert_eq!(resolve("/", Some("a=b; lang=en")), (Lang::En, None));
        assert_eq!(resolve("/x?kind=primary&lang=zh", Some("lang=en")), (Lang::Zh, Some(Lang::Zh)));
        assert_eq!(resolve("/?lang=en", None), (Lang::En, Some(Lang::En)));
        assert_eq!(resolve("/?lang=klingon", Some("lang=en")), (Lang::En, None));
        // A cookie whose name merely ends in "lang" is not ours.
        assert_eq!(resolve("/", Some("xlang=en")), (Lang::Zh, None));
    }
}
