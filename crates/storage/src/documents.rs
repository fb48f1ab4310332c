//! Documents of the cascade.

use std::collections::HashMap;

use chrono::NaiveDate;
use tiendo_domain::documents::Document;

use crate::rows::{
    from_json, parse, parse_opt, read_english, read_vietnamese, text_enum, StoredSection,
};
use crate::{on_pool, Result, Store};

#[derive(sqlx::FromRow)]
struct DocumentRow {
    code: String,
    kind: String,
    title_en: String,
    title_vi: Option<String>,
    issuer: Option<String>,
    issued_on: Option<NaiveDate>,
    structure_note: Option<String>,
    sections: String,
    source: Option<String>,
}

impl Store {
    /// All documents, oldest first, each with the documents it implements.
    pub async fn documents(&self) -> Result<Vec<Document>> {
        let (rows, links): (Vec<DocumentRow>, Vec<(String, String)>) = on_pool!(self, pool => {
            let rows = sqlx::query_as(
                "SELECT d.code, d.kind, d.title_en, d.title_vi, o.code AS issuer, d.issued_on, \
                 d.structure_note, d.sections, d.source \
                 FROM documents d LEFT JOIN org_units o ON o.id = d.issuer_id ORDER BY d.id",
            )
            .fetch_all(pool)
            .await?;
            let links = sqlx::query_as(
                "SELECT d.code, i.code FROM document_links l \
                 JOIN documents d ON d.id = l.document_id \
                 JOIN documents i ON i.id = l.implements_id ORDER BY l.document_id, l.implements_id",
            )
            .fetch_all(pool)
            .await?;
            (rows, links)
        });
        let mut implements: HashMap<String, Vec<String>> = HashMap::new();
        for (doc, imp) in links {
            implements.entry(doc).or_default().push(imp);
        }
        let mut docs = rows
            .into_iter()
            .map(|r| {
                Ok(Document {
                    implements: implements
                        .remove(&r.code)
                        .unwrap_or_default()
                        .iter()
                        .map(|c| parse("document code", c))
                        .collect::<Result<_>>()?,
                    code: parse("document code", &r.code)?,
                    kind: text_enum("document kind", &r.kind)?,
                    title_vi: read_vietnamese(r.title_vi, &r.title_en),
                    title_en: read_english(&r.title_en),
                    issuer: parse_opt("unit code", r.issuer.as_deref())?,
                    issued_on: r.issued_on,
                    sections: from_json::<Vec<StoredSection>>("document sections", &r.sections)?
                        .into_iter()
                        .map(Into::into)
                        .collect(),
                    structure_note: r.structure_note,
                    source: r.source,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        docs.sort_by_key(|d| d.issued_on);
        Ok(docs)
    }
}
