//! E-mail syntax, deliberately modest: what a spreadsheet's address column should hold, not
//! all of RFC 5322. Accepted: one `local@domain`, local part of 1–64 characters without
//! spaces, quotes, `<>()[],;:\`; a domain of dot-separated labels (letters of any script,
//! digits, `-` not at either end), at least two of them, the last one at least 2 characters.
//! Full-width `＠` and letters are made half-width first; the address is lower-cased.

use super::phone::half_width;
use super::sheet::is_space;

/// The address, cleaned, if its syntax is acceptable.
pub fn normalise_email(raw: &str) -> Option<String> {
    let s = half_width(raw).trim_matches(is_space).to_lowercase();
    let (local, domain) = s.split_once('@')?;
    let local_ok = !local.is_empty()
        && local.chars().count() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| !is_space(c) && !c.is_control() && !"\"<>()[],;:\\@".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| tld.chars().count() >= 2);
    (local_ok && domain_ok).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usual_addresses_pass_and_broken_ones_do_not() {
        assert_eq!(
            normalise_email(" WXM@Example.edu.cn ").as_deref(),
            Some("wxm@example.edu.cn")
        );
        assert_eq!(
            normalise_email("wxm＠example.edu.cn").as_deref(),
            Some("wxm@example.edu.cn")
        );
        assert_eq!(
            normalise_email("a.b+tag@xn--fiqs8s.cn").as_deref(),
            Some("a.b+tag@xn--fiqs8s.cn")
        );
        for bad in [
            "wxm",
            "wxm@",
            "@example.cn",
            "wxm@example",
            "wxm@@example.cn",
            "w xm@example.cn",
            "a@b.c",
            "a@-b.cn",
            "a@b..cn",
            "a@x.cn;b@y.cn",
            "a@x.cn, b@y.cn",
        ] {
            assert_eq!(normalise_email(bad), None, "{bad}");
        }
    }
}
