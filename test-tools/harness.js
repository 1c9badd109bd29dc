// Test harness for tests/test_fhir_lforms.py: renders FHIR R4 resources with LHC-Forms' public
// API (LForms.Util.*) and reports what the form holds.
"use strict";

window.harness = {
  container() {
    return document.getElementById("form");
  },

  ready() {
    return Boolean(window.LForms && LForms.Util && LForms.FHIR && LForms.FHIR.R4 &&
                   window.customElements.get("wc-lhc-form"));
  },

  // The Questionnaire as published, straight into the renderer.
  async show(questionnaire) {
    await LForms.Util.addFormToPage(questionnaire, this.container(), {fhirVersion: "R4"});
    return this.linkIds(false);
  },

  // The Questionnaire with a QuestionnaireResponse merged in, rendered.
  async render(questionnaire, response) {
    let form = LForms.Util.convertFHIRQuestionnaireToLForms(questionnaire, "R4");
    if (response) form = LForms.Util.mergeFHIRDataIntoLForms(response, form, "R4");
    await LForms.Util.addFormToPage(form, this.container(), {fhirVersion: "R4"});
  },

  // What the rendered form gives back as a QuestionnaireResponse.
  async restore(questionnaire, response) {
    await this.render(questionnaire, response);
    return LForms.Util.getFormFHIRData("QuestionnaireResponse", "R4", this.container());
  },

  // The value of a FHIRPath expression on a QuestionnaireResponse (%resource), as LHC-Forms'
  // bundled fhirpath.js computes it.
  fhirpath(response, expression) {
    const R4 = LForms.FHIR.R4;
    return R4.fhirpath.evaluate(response, expression, {resource: response}, R4.fhirpathModel);
  },

  // The linkIds of the items that the form's skip logic leaves enabled.
  async enabled(questionnaire, response) {
    await this.render(questionnaire, response);
    return this.linkIds(true);
  },

  // The linkIds of the rendered form's items: all of them, or only those shown, that is neither
  // disabled by enableWhen nor by an enableWhenExpression (LHC-Forms keeps the two apart:
  // _skipLogicStatus and _enableWhenExpVal), nor inside a hidden group.
  linkIds(shownOnly) {
    const form = LForms.Util._getFormObjectInScope(this.container());
    const found = [];
    const walk = (items) => (items || []).forEach((item) => {
      if (shownOnly && (item._skipLogicStatus === "target-disabled" ||
                        item._enableWhenExpVal === false)) return;
      found.push(item.linkId);
      walk(item.items);
    });
    walk(form.items);
    return found;
  },
};
