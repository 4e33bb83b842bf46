/**
 * Where the checkout's payment method comes from. `GET /api/v1/config` says which:
 *  - production: Stripe's Payment Element (Stripe.js from js.stripe.com, card details never touch
 *    our pages' code), which yields a PaymentMethod id;
 *  - local development: the Stripe emulator's test methods in a select.
 * Either way the page sends that id to the same `POST /api/v1/orders/{id}/pay`. When the bank
 * asks for 3-D Secure, pay answers PAYMENT_ACTION_REQUIRED with the intent's client secret; the
 * Payment Element completes that step and the page calls pay again.
 */
import { answer, apiClient } from "./api-client.lib";

export interface PaymentMethodSource {
  /** A PaymentMethod id to pay with; throws an Error whose message is for the buyer. */
  paymentMethod(): Promise<string>;
  /** Completes the bank's extra step (3-D Secure) for the intent with this client secret. */
  completeAction(clientSecret: string): Promise<void>;
  setDisabled(disabled: boolean): void;
}

// The few Stripe.js calls used here (https://docs.stripe.com/js).
interface StripeJs {
  elements(options: { mode: "payment"; amount: number; currency: string; paymentMethodCreation: "manual" }): StripeElements;
  createPaymentMethod(options: { elements: StripeElements }): Promise<{ paymentMethod?: { id: string }; error?: { message?: string } }>;
  handleNextAction(options: { clientSecret: string }): Promise<{ error?: { message?: string } }>;
}
interface StripeElements {
  create(type: "payment"): { mount(element: HTMLElement): void; update(options: { readOnly: boolean }): void };
  submit(): Promise<{ error?: { message?: string } }>;
}
declare global {
  interface Window {
    Stripe?: (publishableKey: string) => StripeJs;
  }
}

function loadStripeJs(): Promise<NonNullable<Window["Stripe"]>> {
  if (window.Stripe) return Promise.resolve(window.Stripe);
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "https://js.stripe.com/v3/";
    script.onload = () => (window.Stripe ? resolve(window.Stripe) : reject(new Error("Stripe.js did not load.")));
    script.onerror = () => reject(new Error("The payment form could not be loaded. Check your connection and reload the page."));
    document.head.append(script);
  });
}

export async function mountPaymentMethods(field: HTMLElement, select: HTMLSelectElement, order: { amount: number; currency: string }): Promise<PaymentMethodSource> {
  const config = await answer(apiClient.config.$get()).catch(() => undefined);
  const payments = config?.payments;
  if (payments?.mode !== "payment_element") {
    // Local: the emulator's test methods (the select's built-in options if config is unreachable).
    if (payments?.test_methods.length) select.replaceChildren(...payments.test_methods.map((m) => new Option(m.label, m.id)));
    return {
      paymentMethod: async () => select.value,
      completeAction: async () => {
        throw new Error("This test card needs a step the local emulator does not offer. Choose another card.");
      },
      setDisabled: (disabled) => (select.disabled = disabled),
    };
  }

  const stripe = (await loadStripeJs())(payments.publishable_key);
  const elements = stripe.elements({ mode: "payment", amount: order.amount, currency: order.currency.toLowerCase(), paymentMethodCreation: "manual" });
  const host = document.createElement("div");
  host.id = "payment-element";
  field.replaceChildren(host);
  const element = elements.create("payment");
  element.mount(host);
  return {
    async paymentMethod() {
      const submitted = await elements.submit();
      if (submitted.error) throw new Error(submitted.error.message ?? "Check your payment details.");
      const created = await stripe.createPaymentMethod({ elements });
      if (created.error || !created.paymentMethod) throw new Error(created.error?.message ?? "Your payment details could not be used.");
      return created.paymentMethod.id;
    },
    async completeAction(clientSecret) {
      const done = await stripe.handleNextAction({ clientSecret });
      if (done.error) throw new Error(done.error.message ?? "Your bank did not confirm the payment.");
    },
    setDisabled: (disabled) => element.update({ readOnly: disabled }),
  };
}
