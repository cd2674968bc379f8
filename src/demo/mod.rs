//! The built-in demo contact list, so that a new user can try a send at once. It ships
//! inside the binary (users do not have the project's sample files).

use crate::model::{DemoLoadResult, NewContact};
use crate::store::{AuditEntry, Store};
use crate::Result;

const DEMO_CSV: &str = include_str!("contacts.csv");

/// The demo contacts. The file is ours and has no quoted fields, so a split suffices.
pub fn contacts() -> Vec<NewContact> {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    DEMO_CSV
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let get = |i: usize| f.get(i).copied().unwrap_or("").trim();
            NewContact {
                external_id: opt(get(0)),
                name: get(1).to_owned(),
                role: opt(get(2)),
                department: opt(get(3)),
                class_name: opt(get(4)),
                grade: opt(get(5)),
                email: opt(get(6)),
                mobile: opt(get(7)),
            }
        })
        .collect()
}

/// Adds the demo contacts not already present (by external id), in one transaction that also
/// writes `audit` with the number added.
pub async fn load(store: &Store, mut audit: AuditEntry) -> Result<DemoLoadResult> {
    let mut missing = Vec::new();
    let mut already_present = 0i64;
    for c in contacts() {
        let present = match &c.external_id {
            Some(id) => store.find_contact_by_external_id(id).await?.is_some(),
            None => false,
        };
        if present {
            already_present += 1;
        } else {
            missing.push(c);
        }
    }
    if !missing.is_empty() {
        audit.detail["added"] = missing.len().into();
        store.audited(audit).insert_contacts_bulk(&missing).await?;
    }
    Ok(DemoLoadResult {
        added: missing.len() as i64,
        already_present,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testutil::temp_store;

    #[test]
    fn every_demo_contact_has_a_name_and_an_id() {
        let all = contacts();
        assert!(all.len() >= 15);
        assert!(all.iter().all(|c| !c.name.is_empty() && c.external_id.is_some()));
    }

    #[tokio::test]
    async fn loading_twice_adds_nobody_twice() {
        let (_d, store) = temp_store().await;
        let entry = || {
            crate::audit::entry(
                &crate::audit::Actor::current("test"),
                "demo.load",
                "contact",
                None,
                serde_json::json!({}),
            )
        };
        let first = load(&store, entry()).await.unwrap();
        let second = load(&store, entry()).await.unwrap();
        assert_eq!(first.added, contacts().len() as i64);
        assert_eq!(
            second,
            DemoLoadResult {
                added: 0,
                already_present: first.added
            }
        );
        // The load that added people is in the audit log, with how many; the one that added
        // nobody changed nothing and is not.
        let loads: Vec<_> = store
            .list_audit()
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.action == "demo.load")
            .collect();
        assert_eq!(loads.len(), 1);
        let detail: serde_json::Value = serde_json::from_str(&loads[0].detail).unwrap();
        assert_eq!(detail["added"], first.added);
    }
}
