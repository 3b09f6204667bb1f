//! WIT's kebab-case names in each language's style.

/// `get-user` -> `get_user`.
pub fn snake(kebab: &str) -> String {
    kebab.replace('-', "_")
}

/// `user-manager` -> `UserManager`.
pub fn camel(kebab: &str) -> String {
    kebab.split('-').map(capitalized).collect()
}

/// Go's exported name: `opaque-id` -> `OpaqueID`, `uid` -> `UID` (Go's initialisms).
pub fn go_exported(kebab: &str) -> String {
    kebab
        .split('-')
        .map(
            |word| match GO_INITIALISMS.iter().find(|i| i.eq_ignore_ascii_case(word)) {
                Some(initialism) => initialism.to_string(),
                None => capitalized(word),
            },
        )
        .collect()
}

/// Go's unexported name: `opaque-id` -> `opaqueID`, `json` -> `json`.
pub fn go_local(kebab: &str) -> String {
    let exported = go_exported(kebab);
    let first = kebab.split('-').next().unwrap_or_default();
    let name = format!("{}{}", first.to_lowercase(), &exported[first.len()..]);
    if GO_KEYWORDS.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// The last word: `user-manager` -> `manager`.
pub fn last_word(kebab: &str) -> &str {
    kebab.rsplit('-').next().unwrap_or(kebab)
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// golint's list.
const GO_INITIALISMS: &[&str] = &[
    "ACL", "API", "ASCII", "CPU", "CSS", "DNS", "EOF", "GID", "GUID", "HTML", "HTTP", "HTTPS",
    "ID", "IP", "JSON", "LHS", "QPS", "RAM", "RHS", "RPC", "SLA", "SMTP", "SQL", "SSH", "TCP",
    "TLS", "TTL", "UDP", "UI", "UID", "URI", "URL", "UTF8", "UUID", "VM", "XML", "XMPP", "XSRF",
    "XSS",
];

const GO_KEYWORDS: &[&str] = &[
    "break",
    "case",
    "chan",
    "const",
    "continue",
    "default",
    "defer",
    "else",
    "fallthrough",
    "for",
    "func",
    "go",
    "goto",
    "if",
    "import",
    "interface",
    "map",
    "package",
    "range",
    "return",
    "select",
    "struct",
    "switch",
    "type",
    "var",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles() {
        assert_eq!(snake("get-user-by-claim"), "get_user_by_claim");
        assert_eq!(camel("user-manager"), "UserManager");
        assert_eq!(go_exported("opaque-id"), "OpaqueID");
        assert_eq!(go_exported("uid"), "UID");
        assert_eq!(go_exported("display-name"), "DisplayName");
        assert_eq!(go_local("opaque-id"), "opaqueID");
        assert_eq!(go_local("idp"), "idp");
        assert_eq!(go_local("type"), "type_");
        assert_eq!(last_word("user-manager"), "manager");
    }
}
