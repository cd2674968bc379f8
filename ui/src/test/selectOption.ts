import { screen } from "@testing-library/react";
import { expect } from "vitest";

/**
 * The option titled `title` in the open antd Select list: not a chosen tag of the same title in
 * another picker, nor a list that has closed but stays in the document. Wrap in `waitFor`.
 */
export function openSelectOption(title: string): HTMLElement {
  const option = screen
    .getAllByTitle(title)
    .find((el) => el.classList.contains("ant-select-item-option") && !el.closest(".ant-select-dropdown-hidden"));
  expect(option, `an open option titled ${title}`).toBeDefined();
  return option!;
}
