//! Posting a multipart form with `fetch` (Bulk Add in CSV: the upload routes are plain axum
//! routes with their own body limit, not server functions), and reading their answers.

use crate::error::AppError;
use crate::model::task::UploadError;

/// What to tell the admin about a refused upload, from the answer's status and body.
pub fn upload_error(status: u16, body: &str) -> String {
    if let Ok(error) = serde_json::from_str::<UploadError>(body) {
        return error.message;
    }
    if let Ok(error) = serde_json::from_str::<AppError>(body) {
        return error.to_string();
    }
    match status {
        413 => "The file is larger than the server accepts: split it into smaller files.".to_string(),
        401 => AppError::Unauthorized.to_string(),
        403 => AppError::Forbidden.to_string(),
        _ => format!("The server answered {status}: try again; if it persists, check the server log."),
    }
}

/// Posts `form` (multipart, as the browser would) to `url` and returns the status and body.
#[cfg(feature = "hydrate")]
pub async fn post_form(url: &str, form: &leptos::web_sys::HtmlFormElement) -> Result<(u16, String), String> {
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{FormData, Headers, RequestInit, Response};
    use wasm_bindgen_futures::JsFuture;
    let unreachable = |_| AppError::Network { message: "no answer".to_string() }.to_string();
    let data = FormData::new_with_form(form).map_err(|_| "The form could not be read.".to_string())?;
    let headers = Headers::new().map_err(unreachable)?;
    headers.set("Accept", "application/json").map_err(unreachable)?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&data);
    init.set_headers(&headers);
    let window = leptos::web_sys::window().ok_or_else(|| "No browser window.".to_string())?;
    let answer = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await.map_err(unreachable)?;
    let response: Response = answer.dyn_into().map_err(unreachable)?;
    let text = JsFuture::from(response.text().map_err(unreachable)?).await.map_err(unreachable)?;
    Ok((response.status(), text.as_string().unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::upload_error;

    #[test]
    fn says_why_an_upload_was_refused() {
        let body = r#"{"code":"FILE_NOT_UTF8","message":"Save it as CSV UTF-8."}"#;
        assert_eq!(upload_error(422, body), "Save it as CSV UTF-8.");
        let forbidden = serde_json::to_string(&crate::error::AppError::Forbidden).unwrap();
        assert_eq!(upload_error(403, &forbidden), "Your role does not allow this.");
        assert!(upload_error(413, "length limit exceeded").contains("larger"));
        assert!(upload_error(502, "").contains("502"));
    }
}
