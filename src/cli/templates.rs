//! `herald templates …`: list, show (as a notice file, with --versions the earlier saves),
//! save (from a notice or a file), use (a draft notice), delete.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::args::parse_value;
use super::notices::TEXT_FILE_BYTES;
use super::output::{cut, emit};
use crate::model::{TemplateInput, TemplateUse};
use crate::notice_file;
use crate::App;

#[derive(Debug, Subcommand)]
pub enum TemplatesCmd {
    /// List templates (built-ins first).
    List,
    /// Show a template as a notice file (the format `save --file` reads).
    Show {
        /// The template's name, or its id.
        template: String,
        /// Also list its earlier versions (every save keeps the content it replaced).
        #[arg(long)]
        versions: bool,
    },
    /// Save a template: from a notice's content, or from a notice file. Saving under an
    /// existing name makes a new version and keeps the old one.
    Save(TemplateSaveArgs),
    /// Start a draft notice from a template; prints the new notice's id.
    Use(TemplateUseArgs),
    /// Delete a template of yours (built-ins stay).
    Delete { template: String },
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["from_notice", "file"])))]
pub struct TemplateSaveArgs {
    /// The notice whose title, subject, body, values and English version to keep.
    #[arg(long, value_name = "ID")]
    pub from_notice: Option<i64>,
    /// A notice file (Markdown with front matter, docs/NOTICE-FILES.md).
    #[arg(long, value_name = "FILE.md")]
    pub file: Option<PathBuf>,
    /// The template's name (with --file, default: the file's `name:`).
    #[arg(long, required_unless_present = "file")]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct TemplateUseArgs {
    /// The template's name, or its id.
    pub template: String,
    /// Who gets it (as `notices create --audience`; default `all`).
    #[arg(long, default_value = "all")]
    pub audience: String,
    /// Channel name; repeat for several.
    #[arg(long = "channel", required = true)]
    pub channels: Vec<String>,
    /// A value for everyone (KEY=VALUE), replacing the template's example; repeat for several.
    #[arg(long = "value", value_name = "KEY=VALUE", value_parser = parse_value)]
    pub values: Vec<(String, String)>,
}

pub async fn run(app: &App, cmd: TemplatesCmd, json: bool) -> anyhow::Result<()> {
    match cmd {
        TemplatesCmd::List => {
            let all = app.list_templates().await?;
            emit(json, &all, || {
                println!("{:>4}  {:<8}  {:>7}  {:<16}  TITLE", "ID", "KIND", "VERSION", "NAME");
                for t in &all {
                    println!(
                        "{:>4}  {:<8}  {:>7}  {:<16}  {}",
                        t.id,
                        if t.builtin { "built-in" } else { "saved" },
                        t.version,
                        cut(&t.name, 16),
                        cut(&t.title, 40)
                    );
                }
            })
        }
        TemplatesCmd::Show { template, versions } => {
            let t = app.template(&template).await?;
            let earlier = if versions {
                app.template_versions(&template).await?
            } else {
                Vec::new()
            };
            if json {
                let mut value = serde_json::to_value(&t)?;
                if versions {
                    value["versions"] = serde_json::to_value(&earlier)?;
                }
                return emit(true, &value, || {});
            }
            print!("{}", notice_file::write(&t.to_file()));
            if versions {
                println!();
                println!("version {} (current), saved {}", t.version, t.updated_at);
                for v in &earlier {
                    println!("version {}, saved {}: {}", v.version, v.saved_at, cut(&v.title, 40));
                }
            }
            Ok(())
        }
        TemplatesCmd::Save(a) => {
            let t = match (a.from_notice, a.file) {
                (Some(id), _) => {
                    let name = a.name.unwrap_or_default();
                    app.save_template_from_notice(id, &name).await?
                }
                (None, Some(path)) => {
                    let text = crate::files::read_regular_text(&path, TEXT_FILE_BYTES).map_err(|e| {
                        crate::Error::Invalid(format!("cannot read the notice file {}: {e}", path.display()))
                    })?;
                    let file = notice_file::parse(&text).map_err(|e| {
                        anyhow::Error::new(crate::Error::from(e)).context(format!("{}", path.display()))
                    })?;
                    app.save_template(TemplateInput::from_file(file, a.name)?).await?
                }
                (None, None) => unreachable!("clap requires --from-notice or --file"),
            };
            emit(json, &t, || {
                println!("saved template {} ({}), version {}", t.name, t.id, t.version)
            })
        }
        TemplatesCmd::Use(a) => {
            let mut channel_ids = Vec::new();
            for name in &a.channels {
                channel_ids.push(app.channel_by_name(name).await?.id);
            }
            let given: Vec<String> = a.values.iter().map(|(k, _)| k.clone()).collect();
            let n = app
                .use_template(
                    &a.template,
                    TemplateUse {
                        audience: Some(a.audience),
                        channel_ids,
                        values: Some(a.values.into_iter().collect()),
                    },
                )
                .await?;
            emit(json, &n, || {
                println!("{}", n.id);
                let kept: Vec<String> = n
                    .values
                    .iter()
                    .filter(|(k, _)| !given.contains(k))
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                if !kept.is_empty() {
                    eprintln!(
                        "the template's example values were kept, check them before sending: {}",
                        kept.join("; ")
                    );
                }
                eprintln!("created notice {}; send it with: herald notices send {}", n.id, n.id);
            })
        }
        TemplatesCmd::Delete { template } => {
            app.delete_template(&template).await?;
            emit(json, &serde_json::json!({"deleted": template}), || {
                println!("deleted template {template}")
            })
        }
    }
}
