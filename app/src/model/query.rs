//! State carried in a page's address: the query string that restores a list's filters.

/// Everything but RFC 3986's unreserved characters.
pub const COMPONENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Percent-encodes everything but unreserved characters (RFC 3986), for a URL's query value.
pub fn encode_component(raw: &str) -> String {
    percent_encoding::utf8_percent_encode(raw, COMPONENT).to_string()
}

/// `name=value&…`, each value percent-encoded.
pub fn query_string(params: &[(&str, String)]) -> String {
    params
        .iter()
        .map(|(name, value)| format!("{name}={}", encode_component(value)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_encoded_and_names_kept() {
        assert_eq!(
            query_string(&[("q", "Zoë & Co".to_string()), ("page", "2".to_string())]),
            "q=Zo%C3%AB%20%26%20Co&page=2"
        );
        assert_eq!(encode_component("a-b_c.d~e/f?"), "a-b_c.d~e%2Ff%3F");
        assert_eq!(query_string(&[]), "");
    }
}
