//! Listing contacts for a screen of 50,000: exact filters, a substring search, a sort chosen
//! from a closed set, one page; and the distinct values of the filterable columns (facets).
//!
//! The page is picked by id first (`SELECT c.id … ORDER BY … LIMIT … OFFSET …`) and only its
//! rows are then joined to their addresses: the e-mail and mobile lookups run for 200 rows,
//! not for every row the offset skips.

use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, Row};

use super::{contact_from_row, CONTACT_COLUMNS};
use crate::model::{ContactFacets, ContactPage, ContactQuery, ContactSort, FacetCount};
use crate::store::{Store, StoreResult};

/// The most rows one page may hold (the UI asks for blocks of 200).
pub const MAX_PAGE: u32 = 1_000;

/// The `ORDER BY` of a sort: fixed text per [`ContactSort`], never the caller's. Ties are
/// broken by id so that pages never overlap or skip a row.
fn order_by(sort: ContactSort, descending: bool) -> &'static str {
    match (sort, descending) {
        (ContactSort::Name, false) => "c.name, c.id",
        (ContactSort::Name, true) => "c.name DESC, c.id DESC",
        (ContactSort::ExternalId, false) => "c.external_id, c.id",
        (ContactSort::ExternalId, true) => "c.external_id DESC, c.id DESC",
        (ContactSort::Department, false) => "c.department, c.id",
        (ContactSort::Department, true) => "c.department DESC, c.id DESC",
        (ContactSort::ClassName, false) => "c.class_name, c.id",
        (ContactSort::ClassName, true) => "c.class_name DESC, c.id DESC",
        (ContactSort::Grade, false) => "c.grade, c.id",
        (ContactSort::Grade, true) => "c.grade DESC, c.id DESC",
        (ContactSort::CreatedAt, false) => "c.created_at, c.id",
        (ContactSort::CreatedAt, true) => "c.created_at DESC, c.id DESC",
    }
}

/// A query's `WHERE` (fixed fragments joined with AND) and the values they bind, in order.
/// Only filters that are set appear, so SQLite can use an index for an exact match instead of
/// meeting `(? IS NULL OR …)`, which it cannot.
fn filter(q: &ContactQuery) -> (String, Vec<String>) {
    let mut parts: Vec<&str> = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    let set = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(s) = set(&q.search) {
        let pattern = format!("%{}%", s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        parts.push(
            // The addresses are scanned once into a set rather than looked up per contact
            // (`EXISTS`): 50,000 lookups cost ten times the scan.
            "(c.name LIKE ? ESCAPE '\\' OR c.external_id LIKE ? ESCAPE '\\' OR c.id IN (SELECT a.contact_id FROM \
             contact_addresses a WHERE (a.kind = 'email' OR a.kind = 'mobile') AND a.address LIKE ? ESCAPE '\\'))",
        );
        binds.extend([pattern.clone(), pattern.clone(), pattern]);
    }
    for (value, sql) in [
        (&q.department, "c.department = ?"),
        (&q.grade, "c.grade = ?"),
        (&q.class_name, "c.class_name = ?"),
        (&q.role, "c.role = ?"),
        (&q.language, "c.language = ?"),
        (
            &q.tag,
            "c.id IN (SELECT t.contact_id FROM contact_tags t WHERE t.tag = ?)",
        ),
    ] {
        if let Some(v) = set(value) {
            parts.push(sql);
            binds.push(v);
        }
    }
    let clause = if parts.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", parts.join(" AND "))
    };
    (clause, binds)
}

fn arguments(binds: &[String]) -> StoreResult<SqliteArguments<'static>> {
    let mut args = SqliteArguments::default();
    for b in binds {
        args.add(b.clone()).map_err(sqlx::Error::Encode)?;
    }
    Ok(args)
}

impl Store {
    /// A page of contacts matching `q`, in its order, and how many match in all.
    pub async fn list_contacts(&self, q: &ContactQuery) -> StoreResult<ContactPage> {
        let limit = i64::from(q.limit.unwrap_or(50).clamp(1, MAX_PAGE));
        let offset = i64::from(q.offset.unwrap_or(0));
        let (clause, binds) = filter(q);
        let order = order_by(q.sort.unwrap_or_default(), q.descending.unwrap_or(false));
        let sql = format!(
            "SELECT {CONTACT_COLUMNS} FROM (SELECT c.id FROM contacts c{clause} ORDER BY {order} LIMIT ? OFFSET ?) p \
             JOIN contacts c ON c.id = p.id ORDER BY {order}"
        );
        let mut args = arguments(&binds)?;
        args.add(limit).map_err(sqlx::Error::Encode)?;
        args.add(offset).map_err(sqlx::Error::Encode)?;
        let items = sqlx::query_with(&sql, args)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(contact_from_row)
            .collect();
        let total: i64 =
            sqlx::query_scalar_with(&format!("SELECT COUNT(*) FROM contacts c{clause}"), arguments(&binds)?)
                .fetch_one(&self.pool)
                .await?;
        Ok(ContactPage { items, total })
    }

    /// The distinct departments, grades, classes, roles, tags and languages, each with how many
    /// contacts have it; blanks are left out.
    pub async fn contact_facets(&self) -> StoreResult<ContactFacets> {
        let rows = sqlx::query(
            "SELECT 'department' AS facet, department AS value, COUNT(*) AS n FROM contacts WHERE department IS NOT NULL GROUP BY department \
             UNION ALL SELECT 'grade', grade, COUNT(*) FROM contacts WHERE grade IS NOT NULL GROUP BY grade \
             UNION ALL SELECT 'class', class_name, COUNT(*) FROM contacts WHERE class_name IS NOT NULL GROUP BY class_name \
             UNION ALL SELECT 'role', role, COUNT(*) FROM contacts WHERE role IS NOT NULL GROUP BY role \
             UNION ALL SELECT 'tag', tag, COUNT(*) FROM contact_tags GROUP BY tag \
             UNION ALL SELECT 'language', language, COUNT(*) FROM contacts GROUP BY language \
             ORDER BY facet, value",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut f = ContactFacets::default();
        for r in &rows {
            let value: String = r.get("value");
            if value.trim().is_empty() {
                continue;
            }
            let entry = FacetCount {
                value,
                count: r.get("n"),
            };
            match r.get::<&str, _>("facet") {
                "department" => f.departments.push(entry),
                "grade" => f.grades.push(entry),
                "class" => f.classes.push(entry),
                "role" => f.roles.push(entry),
                "tag" => f.tags.push(entry),
                _ => f.languages.push(entry),
            }
        }
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{ContactQuery, ContactSort, ContactUpsert};
    use crate::store::testutil::temp_store;
    use crate::store::Store;

    fn person(id: &str, name: &str, dept: &str, grade: &str, class: &str, tags: &[&str]) -> ContactUpsert {
        ContactUpsert {
            external_id: Some(id.into()),
            name: name.into(),
            fields: vec![
                ("department", Some(dept.into())),
                ("grade", Some(grade.into())),
                ("class_name", Some(class.into())),
                ("role", Some("学生".into())),
            ],
            addresses: vec![("email", Some(format!("{id}@example.edu.cn")))],
            tags: Some(tags.iter().map(|t| (*t).to_owned()).collect()),
            ..Default::default()
        }
    }

    async fn seeded() -> (tempfile::TempDir, Store) {
        let (d, store) = temp_store().await;
        let rows = [
            person("S3", "丙", "数学学院", "2023", "数学 2301", &["住校"]),
            person("S1", "甲", "计算机学院", "2024", "计科 2401", &["住校", "班干部"]),
            person("S2", "乙", "计算机学院", "2023", "计科 2301", &[]),
            person("S4", "丁", "物理学院", "2024", "物理 2401", &["班干部"]),
        ];
        store.upsert_contacts(&rows, false).await.unwrap();
        (d, store)
    }

    fn names(page: &crate::model::ContactPage) -> Vec<&str> {
        page.items.iter().map(|c| c.name.as_str()).collect()
    }

    #[tokio::test]
    async fn exact_filters_combine_with_each_other_and_with_search() {
        let (_d, store) = seeded().await;
        let q = ContactQuery {
            department: Some("计算机学院".into()),
            sort: Some(ContactSort::ExternalId),
            ..Default::default()
        };
        let page = store.list_contacts(&q).await.unwrap();
        assert_eq!((names(&page), page.total), (vec!["甲", "乙"], 2));
        let q = ContactQuery {
            department: Some("计算机学院".into()),
            grade: Some("2023".into()),
            ..Default::default()
        };
        assert_eq!(names(&store.list_contacts(&q).await.unwrap()), vec!["乙"]);
        let q = ContactQuery {
            tag: Some("班干部".into()),
            sort: Some(ContactSort::ExternalId),
            ..Default::default()
        };
        assert_eq!(names(&store.list_contacts(&q).await.unwrap()), vec!["甲", "丁"]);
        let q = ContactQuery {
            tag: Some("住校".into()),
            search: Some("s3@".into()),
            ..Default::default()
        };
        assert_eq!(names(&store.list_contacts(&q).await.unwrap()), vec!["丙"]);
        let q = ContactQuery {
            class_name: Some("计科".into()),
            ..Default::default()
        };
        assert_eq!(
            store.list_contacts(&q).await.unwrap().total,
            0,
            "exact, not a substring"
        );
        let q = ContactQuery {
            role: Some("学生".into()),
            language: Some("zh-CN".into()),
            ..Default::default()
        };
        assert_eq!(store.list_contacts(&q).await.unwrap().total, 4);
        let q = ContactQuery {
            language: Some("en".into()),
            ..Default::default()
        };
        assert_eq!(store.list_contacts(&q).await.unwrap().total, 0);
    }

    #[tokio::test]
    async fn every_sort_orders_both_ways_and_pages_do_not_overlap() {
        let (_d, store) = seeded().await;
        let sorted = |sort, descending| ContactQuery {
            sort: Some(sort),
            descending: Some(descending),
            ..Default::default()
        };
        let ids = |page: crate::model::ContactPage| -> Vec<String> {
            page.items.into_iter().map(|c| c.external_id.unwrap()).collect()
        };
        assert_eq!(
            ids(store
                .list_contacts(&sorted(ContactSort::ExternalId, false))
                .await
                .unwrap()),
            ["S1", "S2", "S3", "S4"]
        );
        assert_eq!(
            ids(store
                .list_contacts(&sorted(ContactSort::ExternalId, true))
                .await
                .unwrap()),
            ["S4", "S3", "S2", "S1"]
        );
        // Ties (two of 计算机学院) fall back to id, so the order is total.
        assert_eq!(
            ids(store
                .list_contacts(&sorted(ContactSort::Department, false))
                .await
                .unwrap()),
            ["S3", "S4", "S1", "S2"]
        );
        assert_eq!(
            ids(store.list_contacts(&sorted(ContactSort::Grade, true)).await.unwrap()),
            ["S4", "S1", "S2", "S3"]
        );
        assert_eq!(
            ids(store
                .list_contacts(&sorted(ContactSort::ClassName, false))
                .await
                .unwrap()),
            ["S3", "S4", "S2", "S1"]
        );
        assert_eq!(
            ids(store
                .list_contacts(&sorted(ContactSort::CreatedAt, false))
                .await
                .unwrap()),
            ["S3", "S1", "S2", "S4"]
        );
        let mut seen = Vec::new();
        for offset in [0, 2] {
            let q = ContactQuery {
                sort: Some(ContactSort::Department),
                limit: Some(2),
                offset: Some(offset),
                ..Default::default()
            };
            let page = store.list_contacts(&q).await.unwrap();
            assert_eq!(page.total, 4);
            seen.extend(ids(page));
        }
        assert_eq!(seen, ["S3", "S4", "S1", "S2"]);
    }

    #[tokio::test]
    async fn facets_count_each_distinct_value() {
        let (_d, store) = seeded().await;
        let f = store.contact_facets().await.unwrap();
        let pairs = |v: &[crate::model::FacetCount]| -> Vec<(String, i64)> {
            v.iter().map(|f| (f.value.clone(), f.count)).collect()
        };
        assert_eq!(
            pairs(&f.departments),
            [("数学学院".into(), 1), ("物理学院".into(), 1), ("计算机学院".into(), 2)]
        );
        assert_eq!(pairs(&f.grades), [("2023".into(), 2), ("2024".into(), 2)]);
        assert_eq!(f.classes.len(), 4);
        assert_eq!(pairs(&f.roles), [("学生".into(), 4)]);
        assert_eq!(pairs(&f.tags), [("住校".into(), 2), ("班干部".into(), 2)]);
        assert_eq!(pairs(&f.languages), [("zh-CN".into(), 4)]);
    }
}

/// Timings at the size the contacts screen is built for. Run with
/// `cargo test --release -p herald --lib fifty_thousand -- --ignored --nocapture`.
#[cfg(test)]
mod scale {
    use std::time::Instant;

    use crate::model::{ContactQuery, ContactSort, ContactUpsert};
    use crate::store::testutil::temp_store;

    #[tokio::test]
    #[ignore = "a measurement: seeds 50,000 contacts"]
    async fn fifty_thousand_contacts_page_and_count_quickly() {
        let (_d, store) = temp_store().await;
        let rows: Vec<ContactUpsert> = (0..50_000)
            .map(|i| ContactUpsert {
                external_id: Some(format!("S{i:06}")),
                name: format!("学生{}", (i * 7919) % 50_000),
                fields: vec![
                    ("department", Some(format!("学院{:02}", i % 23))),
                    ("grade", Some(format!("{}", 2021 + i % 4))),
                    ("class_name", Some(format!("班{:03}", i % 400))),
                    ("role", Some(if i % 20 == 0 { "教师" } else { "学生" }.into())),
                ],
                addresses: vec![
                    ("email", Some(format!("s{i}@example.edu.cn"))),
                    ("mobile", Some(format!("+86138{i:08}"))),
                ],
                tags: Some(if i % 3 == 0 { vec!["住校".into()] } else { vec![] }),
                ..Default::default()
            })
            .collect();
        store.upsert_contacts(&rows, false).await.unwrap();
        let time = |label: &str, t: Instant| println!("{label}: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
        for sort in ContactSort::ALL {
            for descending in [false, true] {
                let q = ContactQuery {
                    sort: Some(sort),
                    descending: Some(descending),
                    limit: Some(200),
                    offset: Some(49_800),
                    ..Default::default()
                };
                let t = Instant::now();
                let page = store.list_contacts(&q).await.unwrap();
                time(&format!("page at 49,800 by {sort:?} desc={descending}"), t);
                assert_eq!(page.items.len(), 200);
            }
        }
        let filtered = [
            ContactQuery {
                department: Some("学院07".into()),
                grade: Some("2022".into()),
                ..Default::default()
            },
            ContactQuery {
                tag: Some("住校".into()),
                role: Some("学生".into()),
                sort: Some(ContactSort::Department),
                offset: Some(15_000),
                limit: Some(200),
                ..Default::default()
            },
            ContactQuery {
                search: Some("4999".into()),
                ..Default::default()
            },
            ContactQuery {
                search: Some("学生1".into()),
                class_name: Some("班007".into()),
                ..Default::default()
            },
        ];
        for q in filtered {
            let t = Instant::now();
            let page = store.list_contacts(&q).await.unwrap();
            time(&format!("filtered {q:?} ({} of {})", page.items.len(), page.total), t);
        }
        let t = Instant::now();
        let f = store.contact_facets().await.unwrap();
        time(&format!("facets ({} classes)", f.classes.len()), t);
    }
}
