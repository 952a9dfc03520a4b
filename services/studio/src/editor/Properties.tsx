// The selected node's props, in a form generated from its registry JSON Schema by rjsf; the
// widgets are rjsf's plain HTML ones styled like the studio (editor.css), with text buttons
// for lists, the media picker for images and the shop's catalogue for products. A 422
// from the server lands at its field.

import Form from "@rjsf/core";
import type { IChangeEvent } from "@rjsf/core";
import { getTemplate, getUiOptions } from "@rjsf/utils";
import type { ArrayFieldItemTemplateProps, ErrorSchema, IconButtonProps, RegistryFieldsType, RegistryWidgetsType } from "@rjsf/utils";
import { memo, useMemo } from "react";

import type { TreeNode } from "../api/types";
import { AssetWidget } from "./AssetField";
import { ProductsField } from "./ProductPicker";
import { propsForm, propsIn, propsOut, type Registry } from "./registry";
import { validator } from "./validator";

function textButton(label: string, variant = "secondary") {
  return function TextButton({ onClick, disabled, className: _c, iconType: _t, icon: _i, registry: _r, uiSchema: _u, ...rest }: IconButtonProps) {
    const { id } = rest as { id?: string };
    return <button type="button" id={id} className={`btn btn-${variant} btn-small`} onClick={onClick} disabled={disabled}>{label}</button>;
  };
}

// A list's item as a card: its number and its buttons on one line above its fields, which
// keep the whole width of the panel (rjsf's own puts the buttons in a column beside them).
function ArrayItem({ children, className, buttonsProps, hasToolbar, index, registry, uiSchema }: ArrayFieldItemTemplateProps) {
  const Buttons = getTemplate("ArrayFieldItemButtonsTemplate", registry, getUiOptions(uiSchema));
  return (
    <div className={`${className} props-item`}>
      {hasToolbar ? (
        <div className="props-item-bar">
          <span className="props-item-number">Item {index + 1}</span>
          <div className="props-item-buttons"><Buttons {...buttonsProps} /></div>
        </div>
      ) : null}
      <div className="props-item-fields">{children}</div>
    </div>
  );
}

const templates = {
  ArrayFieldItemTemplate: ArrayItem,
  ButtonTemplates: {
    AddButton: textButton("Add an item"),
    CopyButton: textButton("Copy"),
    MoveUpButton: textButton("Move up", "quiet"),
    MoveDownButton: textButton("Move down", "quiet"),
    RemoveButton: textButton("Remove", "quiet"),
  },
};

const widgets: RegistryWidgetsType = { asset: AssetWidget };
const customFields: RegistryFieldsType = { products: ProductsField };

export const Properties = memo(function Properties({ node, registry, serverErrors, onChange, readOnly }: {
  node: TreeNode; registry: Registry; serverErrors: ErrorSchema | undefined; readOnly: boolean;
  onChange(props: Record<string, unknown>): void;
}) {
  const form = propsForm(registry, node.component);
  const description = registry.components[node.component]?.description;
  const fields = useMemo(() => (form ? Object.keys((form.schema.properties ?? {}) as object).length : 0), [form]);
  const formData = useMemo(() => (form ? propsIn(form, node.props) : node.props), [form, node.props]);
  if (!form) return <p className="notice notice-warning">This studio does not know the component {node.component}: reload to get the newest registry.</p>;
  return (
    <>
      {description ? <p className="hint props-description">{description}</p> : null}
      {fields === 0 ? <p className="hint">{node.component} has nothing to set: it holds the blocks inside it.</p> : (
        <Form key={node.id} className="props-form" schema={form.schema} uiSchema={form.uiSchema} formData={formData}
          validator={validator} widgets={widgets} fields={customFields} templates={templates} idPrefix={`prop-${node.id}`}
          liveValidate="onChange" showErrorList={false} noHtml5Validate readonly={readOnly}
          extraErrors={serverErrors}
          onChange={(event: IChangeEvent) => onChange(propsOut(form, (event.formData ?? {}) as Record<string, unknown>))} />
      )}
    </>
  );
});
