//! The variables a notice's editor can offer: the catalogue, the imported columns in the
//! store, and the notice's own values, each with its meaning in both languages.

use std::collections::BTreeMap;

use super::App;
use crate::compose::variables::{self, CATALOGUE};
use crate::model::{NoticeVariable, VariableSource};
use crate::Result;

impl App {
    /// Every variable a notice with these `values` may use, in the order an editor lists them:
    /// the standard fields (with their Chinese names), the date, the imported columns (those
    /// the catalogue does not hide), then the notice's values.
    pub async fn notice_variables(&self, values: &BTreeMap<String, String>) -> Result<Vec<NoticeVariable>> {
        let mut all: Vec<NoticeVariable> = CATALOGUE
            .iter()
            .map(|v| NoticeVariable {
                name: v.name.to_owned(),
                aliases: v.aliases.iter().map(|a| (*a).to_owned()).collect(),
                meaning_zh: v.meaning_zh.to_owned(),
                meaning_en: v.meaning_en.to_owned(),
                source: v.source,
                value: None,
            })
            .collect();
        for name in self.store.list_attribute_names().await? {
            // A column the catalogue hides, or one no template could name, is not offered.
            if variables::is_reserved(&name) || !variables::is_identifier(&name) {
                continue;
            }
            all.push(NoticeVariable {
                name,
                aliases: Vec::new(),
                meaning_zh: "导入的列".into(),
                meaning_en: "an imported column".into(),
                source: VariableSource::ImportedColumn,
                value: None,
            });
        }
        for (name, value) in values {
            all.push(NoticeVariable {
                name: name.clone(),
                aliases: Vec::new(),
                meaning_zh: "随通知填写，每位收件人相同".into(),
                meaning_en: "given with the notice, the same for everyone".into(),
                source: VariableSource::NoticeValue,
                value: Some(value.clone()),
            });
        }
        Ok(all)
    }
}
