/** A letter sent to a customer is kept as sent: the chatter offers no bin
 * on it (the server refuses its deletion all the same). */
import { Attachment } from "@mail/core/common/attachment_model";
import { patch } from "@web/core/utils/patch";

patch(Attachment.prototype, {
    get isDeletable() {
        return !this.collection_kept && super.isDeletable;
    },
});
