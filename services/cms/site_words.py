"""The words a site's pages carry that no editor wrote: the skip link, the menu button, a form's
"required" note, a product's "Sold out", the pages a visitor's browser gets back from a form,
a Buy button or an address the site lacks. They are in the site's language (its profile's,
which a site generation sets from the brief: a German site says "Menü", not "Menu"), and in
English for a language not listed here. `{label}`, `{title}`, `{max}` and `{product}` are
filled in by the caller."""

# ruff: noqa: RUF001 - French is written with typographic apostrophes

from __future__ import annotations

import msgspec


class SiteWords(msgspec.Struct, frozen=True, kw_only=True):
    skip_to_content: str
    menu: str
    main_navigation: str  # the navigation's accessible name
    home: str  # a brand with no name
    required: str  # the note under a form with required fields: "* required"
    leave_empty: str  # the hidden spam trap's label (only a screen reader that ignores aria-hidden reads it)
    sold_out: str
    in_shop_soon: str
    buy: str
    contact: str  # the footer's column of ways to reach the business
    visit_us: str
    open_the_map: str
    opening_hours: str
    call_or_write: str
    most_popular: str
    choose: str
    video: str
    # A contact form's answers.
    message_sent: str
    thanks_heading: str
    thanks_text: str
    back_to: str  # "Back to {title}"
    home_page: str
    check_heading: str
    check_summary: str  # before the list of what to fix
    check_fix: str
    wait_heading: str
    wait_summary: str
    field_required: str
    field_too_long: str
    field_not_email: str
    form_gone_heading: str
    form_gone_text: str
    # An address no live page has.
    missing_heading: str
    missing_text: str
    # A Buy button billing refused, by its one word (checkout_pages.py): (heading, text), the
    # text's {product} the product's name, or `this_product`; "" the word for any other reason.
    checkout_refusals: dict[str, tuple[str, str]]
    this_product: str
    back_to_site: str


ENGLISH = SiteWords(
    skip_to_content="Skip to content", menu="Menu", main_navigation="Main", home="Home", required="required",
    leave_empty="Leave empty", sold_out="Sold out", in_shop_soon="Available in the shop soon",
    buy="Buy", contact="Contact", visit_us="Visit us", open_the_map="Open the map", opening_hours="Opening hours",
    call_or_write="Call or write", most_popular="Most popular", choose="Choose", video="Video",
    message_sent="Message sent", thanks_heading="Thank you for your message",
    thanks_text="It is with us now, and we will reply to the e-mail address you gave.",
    back_to="Back to {title}", home_page="Home page",
    check_heading="Please check your message", check_summary="It has not been sent yet.", check_fix="Please fix:",
    wait_heading="Please wait a few minutes",
    wait_summary=("We have had several messages from your connection in the last few minutes. Your message is "
                  "still below, so nothing is lost: send it again a little later."),
    field_required="{label} is required", field_too_long="{label} is longer than {max} characters",
    field_not_email="{label} is not an e-mail address",
    form_gone_heading="This form is no longer here",
    form_gone_text=("The page it was on has changed, so your message was not sent. Please start again from "
                    "[the home page](/)."),
    missing_heading="This page is not here",
    missing_text=("The address may have been mistyped, or the page has moved or been taken down. The "
                  "[home page](/) has the way to everything on this site."),
    checkout_refusals={
        "closed": ("This shop cannot take payments yet",
                   "You can look around the shop, but it cannot take payments online yet, so nothing was charged. "
                   "Please try again later, or get in touch with us."),
        "unavailable": ("This product is not for sale",
                        "{product} is no longer in the shop, so nothing was charged. Have a look at what the shop "
                        "has now."),
        "sold-out": ("Sold out",
                     "{product} has sold out, so nothing was charged. Have a look at what the shop has now."),
        "payments-down": ("Payments are unavailable right now",
                          "We could not reach our payment provider, so nothing was charged. Please try again in a "
                          "few minutes."),
        "invalid": ("Please choose a product",
                    "The purchase could not start, so nothing was charged. Please use the Buy button beside the "
                    "product you want."),
        "": ("This purchase could not start", "Nothing was charged. Please go back and try again."),
    },
    this_product="This product", back_to_site="Back to the site",
)

WORDS = {
    "en": ENGLISH,
    "fr": SiteWords(
        skip_to_content="Aller au contenu", menu="Menu", main_navigation="Principale", home="Accueil",
        required="obligatoire", leave_empty="Laisser vide", sold_out="Épuisé",
        in_shop_soon="Bientôt disponible en boutique", buy="Acheter", contact="Contact", visit_us="Nous trouver",
        open_the_map="Ouvrir la carte", opening_hours="Horaires d’ouverture", call_or_write="Appelez ou écrivez",
        most_popular="Le plus choisi", choose="Choisir", video="Vidéo",
        message_sent="Message envoyé", thanks_heading="Merci pour votre message",
        thanks_text="Il nous est bien parvenu ; nous vous répondrons à l’adresse e-mail indiquée.",
        back_to="Retour à {title}", home_page="Page d’accueil",
        check_heading="Vérifiez votre message", check_summary="Il n’a pas encore été envoyé.",
        check_fix="À corriger :", wait_heading="Patientez quelques minutes",
        wait_summary=("Nous avons reçu plusieurs messages de votre connexion ces dernières minutes. Votre message "
                      "est toujours ci-dessous, rien n’est perdu : renvoyez-le un peu plus tard."),
        field_required="{label} est obligatoire", field_too_long="{label} dépasse {max} caractères",
        field_not_email="{label} n’est pas une adresse e-mail",
        form_gone_heading="Ce formulaire n’est plus là",
        form_gone_text=("La page qui le contenait a changé : votre message n’a pas été envoyé. Recommencez depuis "
                        "[la page d’accueil](/)."),
        missing_heading="Cette page n’existe pas",
        missing_text=("L’adresse est peut-être mal saisie, ou la page a été déplacée ou retirée. La "
                      "[page d’accueil](/) mène à tout le site."),
        checkout_refusals={
            "closed": ("Cette boutique ne peut pas encore encaisser",
                       "Vous pouvez parcourir la boutique, mais elle ne peut pas encore encaisser en ligne : rien "
                       "n’a été débité. Réessayez plus tard, ou contactez-nous."),
            "unavailable": ("Ce produit n’est pas en vente",
                            "{product} n’est plus dans la boutique : rien n’a été débité. Voyez ce que propose la "
                            "boutique aujourd’hui."),
            "sold-out": ("Épuisé", "{product} est épuisé : rien n’a été débité. Voyez ce que propose la boutique "
                                   "aujourd’hui."),
            "payments-down": ("Le paiement est indisponible pour le moment",
                              "Nous n’avons pas pu joindre notre prestataire de paiement : rien n’a été débité. "
                              "Réessayez dans quelques minutes."),
            "invalid": ("Choisissez un produit",
                        "L’achat n’a pas pu commencer : rien n’a été débité. Utilisez le bouton Acheter à côté du "
                        "produit voulu."),
            "": ("Cet achat n’a pas pu commencer", "Rien n’a été débité. Revenez en arrière et réessayez."),
        },
        this_product="Ce produit", back_to_site="Retour au site",
    ),
    "de": SiteWords(
        skip_to_content="Zum Inhalt springen", menu="Menü", main_navigation="Hauptnavigation", home="Startseite",
        required="Pflichtfeld", leave_empty="Leer lassen", sold_out="Ausverkauft",
        in_shop_soon="Bald im Shop erhältlich", buy="Kaufen", contact="Kontakt", visit_us="Besuchen Sie uns",
        open_the_map="Karte öffnen", opening_hours="Öffnungszeiten", call_or_write="Anrufen oder schreiben",
        most_popular="Am beliebtesten", choose="Auswählen", video="Video",
        message_sent="Nachricht gesendet", thanks_heading="Vielen Dank für Ihre Nachricht",
        thanks_text="Sie ist bei uns angekommen; wir antworten an die angegebene E-Mail-Adresse.",
        back_to="Zurück zu {title}", home_page="Startseite",
        check_heading="Bitte prüfen Sie Ihre Nachricht", check_summary="Sie wurde noch nicht gesendet.",
        check_fix="Bitte korrigieren:", wait_heading="Bitte warten Sie ein paar Minuten",
        wait_summary=("Wir haben in den letzten Minuten mehrere Nachrichten von Ihrer Verbindung erhalten. Ihre "
                      "Nachricht steht noch unten, es geht nichts verloren: Senden Sie sie etwas später erneut."),
        field_required="{label} ist ein Pflichtfeld", field_too_long="{label} ist länger als {max} Zeichen",
        field_not_email="{label} ist keine E-Mail-Adresse",
        form_gone_heading="Dieses Formular gibt es nicht mehr",
        form_gone_text=("Die Seite, auf der es stand, wurde geändert; Ihre Nachricht wurde nicht gesendet. Bitte "
                        "beginnen Sie noch einmal auf [der Startseite](/)."),
        missing_heading="Diese Seite gibt es nicht",
        missing_text=("Vielleicht ist die Adresse vertippt, oder die Seite wurde verschoben oder entfernt. Von der "
                      "[Startseite](/) aus finden Sie alles auf dieser Website."),
        checkout_refusals={
            "closed": ("Dieser Shop kann noch keine Zahlungen annehmen",
                       "Sie können sich im Shop umsehen, aber er kann online noch keine Zahlungen annehmen; es wurde "
                       "nichts berechnet. Bitte versuchen Sie es später noch einmal oder schreiben Sie uns."),
            "unavailable": ("Dieses Produkt ist nicht erhältlich",
                            "{product} ist nicht mehr im Shop; es wurde nichts berechnet. Sehen Sie sich an, was der "
                            "Shop jetzt anbietet."),
            "sold-out": ("Ausverkauft", "{product} ist ausverkauft; es wurde nichts berechnet. Sehen Sie sich an, "
                                        "was der Shop jetzt anbietet."),
            "payments-down": ("Zahlungen sind gerade nicht möglich",
                              "Wir konnten unseren Zahlungsanbieter nicht erreichen; es wurde nichts berechnet. "
                              "Bitte versuchen Sie es in ein paar Minuten noch einmal."),
            "invalid": ("Bitte wählen Sie ein Produkt",
                        "Der Kauf konnte nicht beginnen; es wurde nichts berechnet. Bitte nutzen Sie den "
                        "Kaufen-Knopf neben dem gewünschten Produkt."),
            "": ("Dieser Kauf konnte nicht beginnen", "Es wurde nichts berechnet. Bitte gehen Sie zurück und "
                                                      "versuchen Sie es noch einmal."),
        },
        this_product="Dieses Produkt", back_to_site="Zurück zur Website",
    ),
    "es": SiteWords(
        skip_to_content="Saltar al contenido", menu="Menú", main_navigation="Principal", home="Inicio",
        required="obligatorio", leave_empty="Dejar vacío", sold_out="Agotado",
        in_shop_soon="Pronto disponible en la tienda", buy="Comprar", contact="Contacto", visit_us="Visítanos",
        open_the_map="Abrir el mapa", opening_hours="Horario", call_or_write="Llama o escribe",
        most_popular="El más elegido", choose="Elegir", video="Vídeo",
        message_sent="Mensaje enviado", thanks_heading="Gracias por tu mensaje",
        thanks_text="Ya lo tenemos; te responderemos a la dirección de correo que nos has dado.",
        back_to="Volver a {title}", home_page="Página de inicio",
        check_heading="Revisa tu mensaje", check_summary="Todavía no se ha enviado.", check_fix="Corrige:",
        wait_heading="Espera unos minutos",
        wait_summary=("Hemos recibido varios mensajes desde tu conexión en los últimos minutos. Tu mensaje sigue "
                      "abajo, no se ha perdido nada: vuelve a enviarlo un poco más tarde."),
        field_required="{label} es obligatorio", field_too_long="{label} tiene más de {max} caracteres",
        field_not_email="{label} no es una dirección de correo",
        form_gone_heading="Este formulario ya no está",
        form_gone_text=("La página en la que estaba ha cambiado, así que tu mensaje no se envió. Vuelve a empezar "
                        "desde [la página de inicio](/)."),
        missing_heading="Esta página no existe",
        missing_text=("Quizá la dirección tenga un error, o la página se haya movido o retirado. Desde la "
                      "[página de inicio](/) llegas a todo el sitio."),
        checkout_refusals={
            "closed": ("Esta tienda aún no puede cobrar",
                       "Puedes ver la tienda, pero todavía no puede cobrar en línea, así que no se ha cobrado nada. "
                       "Vuelve a intentarlo más tarde o escríbenos."),
            "unavailable": ("Este producto no está a la venta",
                            "{product} ya no está en la tienda, así que no se ha cobrado nada. Mira lo que tiene "
                            "la tienda ahora."),
            "sold-out": ("Agotado", "{product} se ha agotado, así que no se ha cobrado nada. Mira lo que tiene la "
                                    "tienda ahora."),
            "payments-down": ("Los pagos no están disponibles ahora",
                              "No hemos podido contactar con nuestro proveedor de pagos, así que no se ha cobrado "
                              "nada. Vuelve a intentarlo en unos minutos."),
            "invalid": ("Elige un producto",
                        "La compra no ha podido empezar, así que no se ha cobrado nada. Usa el botón Comprar junto "
                        "al producto que quieras."),
            "": ("Esta compra no ha podido empezar", "No se ha cobrado nada. Vuelve atrás e inténtalo de nuevo."),
        },
        this_product="Este producto", back_to_site="Volver al sitio",
    ),
}


def words_for(language: str) -> SiteWords:
    """The words of `language` (a BCP 47 tag: "de", "fr-CH"), English when it has none here."""
    return WORDS.get(language.split("-", 1)[0].lower(), ENGLISH)
