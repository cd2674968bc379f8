import type { FormInstance } from "antd";
import { useEffect } from "react";
import { useSearchParams } from "react-router-dom";
import * as api from "../api";
import type { ComposeValues } from "./composeForm";

/** A template's content as Compose's fields (audience and channels stay as the user sets them). */
export function templateFields(t: api.Template): Partial<ComposeValues> {
  return {
    title: t.title,
    subject: t.subject,
    body: t.body,
    values: Object.entries(t.values).map(([key, value]) => ({ key, value })),
    english: t.english ? { subject: t.english.subject ?? undefined, body: t.english.body } : undefined,
  };
}

/** Fills Compose from the template named by `?template=ID` (用此模板), once it is loaded. */
export function useTemplatePrefill(form: FormInstance<ComposeValues>) {
  const [params] = useSearchParams();
  const id = Number(params.get("template"));
  useEffect(() => {
    if (!id) return;
    let live = true;
    api.listTemplates().then(
      (all) => {
        const t = all.find((x) => x.id === id);
        if (live && t) form.setFieldsValue(templateFields(t));
      },
      () => {
        // Compose still works empty; the Templates page shows why the list failed.
      },
    );
    return () => {
      live = false;
    };
  }, [id, form]);
}
