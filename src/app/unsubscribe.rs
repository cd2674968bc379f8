//! Recording opt-outs that came back by e-mail. A notice that allows opting out sends its
//! messages with List-Unsubscribe pointing at the office's mailbox (see `providers::smtp`);
//! the requests arrive there as mails from the recipients' own addresses. Someone pastes them
//! (whole mails, a list of addresses, anything with addresses in it); Herald finds the
//! contacts, shows them, and on confirmation opts them out of e-mail.

use super::App;
use crate::import::email::normalise_email;
use crate::model::{ChannelKind, UnsubscribeReport};
use crate::Result;

/// Characters that end an address in pasted text: anything but printable ASCII (Chinese text
/// runs into addresses without a space: "我的邮箱是wxm@example.edu.cn，请退订"), and the
/// punctuation around addresses in mail headers and `mailto:` URLs. The price: an address with
/// a non-ASCII domain or local part is not found, which campus mail does not use.
fn separates(c: char) -> bool {
    !c.is_ascii_graphic() || "<>()[]{},;:\"'?/|\\".contains(c)
}

/// Every address in `text`, cleaned as imports clean them, once each, in order.
pub fn addresses_in(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split(separates).filter(|w| w.contains('@')) {
        if let Some(address) = normalise_email(word.trim_matches('.')) {
            if !out.contains(&address) {
                out.push(address);
            }
        }
    }
    out
}

impl App {
    /// Matches the addresses in `text` to contacts; with `apply`, opts those not yet opted out
    /// of e-mail out, in one transaction, audited as `contact.unsubscribe`.
    pub async fn record_unsubscribes(&self, text: &str, apply: bool) -> Result<UnsubscribeReport> {
        let own = self.own_email_addresses().await?;
        let (own_found, wanted): (Vec<String>, Vec<String>) =
            addresses_in(text).into_iter().partition(|a| own.contains(a));
        let email = ChannelKind::SMTP.as_str();
        let found = self.store.contacts_by_email(&wanted, email).await?;
        let mut report = UnsubscribeReport {
            own: own_found,
            ..UnsubscribeReport::default()
        };
        for address in &wanted {
            let mut of_address: Vec<_> = found.iter().filter(|m| &m.address == address).cloned().collect();
            if of_address.is_empty() {
                report.unknown.push(address.clone());
            }
            of_address.sort_by_key(|m| m.contact_id);
            report.matched.extend(of_address);
        }
        if apply {
            let ids: Vec<i64> = report
                .matched
                .iter()
                .filter(|m| !m.already)
                .map(|m| m.contact_id)
                .collect();
            let changed = self
                .audited(
                    "contact.unsubscribe",
                    "contact",
                    None,
                    serde_json::json!({ "ids": ids, "kind": email }),
                )
                .opt_out_contacts(&ids, email)
                .await?;
            report.applied = true;
            report.opted_out = changed as u32;
        }
        Ok(report)
    }

    /// The from and reply-to addresses of the e-mail channels: pasted requests name them as
    /// the recipient, and they are nobody to opt out.
    async fn own_email_addresses(&self) -> Result<Vec<String>> {
        let mut own = Vec::new();
        for c in self.store.list_channels().await? {
            if c.kind != ChannelKind::SMTP {
                continue;
            }
            let settings = self.store.channel_settings(c.id).await?;
            own.extend(
                ["from-address", "reply-to"]
                    .into_iter()
                    .filter_map(|key| settings.get(key)?.as_str())
                    .filter_map(normalise_email),
            );
        }
        Ok(own)
    }
}

#[cfg(test)]
mod tests {
    use super::addresses_in;

    #[test]
    fn addresses_are_found_in_pasted_mail_and_chinese_text() {
        let text = "发件人: 王小明 <WXM@Example.edu.cn>\n收件人: office@example.edu.cn\n主题: 退订 unsubscribe\n\
                    mailto:office@example.edu.cn?subject=退订\n另外：李小红（lxh@example.edu.cn）、\
                    张三＜zs@example.edu.cn＞。 not-an-address@ wxm@example.edu.cn.\
                    我的邮箱是zhao@example.edu.cn请退订";
        assert_eq!(
            addresses_in(text),
            [
                "wxm@example.edu.cn",
                "office@example.edu.cn",
                "lxh@example.edu.cn",
                "zs@example.edu.cn",
                "zhao@example.edu.cn"
            ]
        );
    }
}
