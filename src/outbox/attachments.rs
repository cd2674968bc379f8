//! A notice's attachments as the dispatcher sends them: Herald's own copies in the data
//! directory (`app::attachments` keeps them when the notice is saved), read once per run.

use std::path::Path;
use std::sync::Arc;

use crate::model::NoticeAttachment;
use crate::providers::Attachment;

/// Reads a notice's attachments for sending (once per run), or says which cannot be read.
pub fn load_attachments(data_dir: &Path, list: &[NoticeAttachment]) -> std::result::Result<Arc<[Attachment]>, String> {
    list.iter()
        .map(|a| {
            std::fs::read(data_dir.join(&a.file))
                .map(|bytes| Attachment {
                    name: a.name.clone(),
                    content_type: a.content_type.clone(),
                    bytes,
                })
                .map_err(|e| format!("the attachment {} cannot be read: {e}", a.name))
        })
        .collect()
}
