/// The review page: what the AI analysis escalated, did or suggests, and high-risk calls the orchestrator approved.
extension ConsoleTemplates {
    static var reviewPages: [(name: String, text: String)] { [("reviews", reviews)] }

    static let reviews = """
        {{> head}}<h1>Review</h1>
        <p>What the AI analysis escalated, did or was refused, what it suggests a person should do (it never stops \
        everything by itself), refused model files, and high-risk calls the orchestrator — an AI agent too — \
        approved. <strong id="open-reviews">{{openCount}}</strong> open. \
        {{#all}}<a href="/reviews">Open items only</a>{{/all}}{{^all}}<a href="/reviews?all=1">Every item</a>{{/all}}</p>
        <div id="reviews">
        {{#hasItems}}{{#items}}<article class="review" id="review-{{id}}" aria-labelledby="review-{{id}}-title">
        <h2 id="review-{{id}}-title">{{kind}}: {{summary}}</h2>
        <dl>
        <dt>when</dt><dd>{{created}}</dd>
        <dt>ledger entries</dt><dd>{{#entries}}<a href="/audit/entry/{{entry}}"><code>{{entry}}</code></a> \
        {{/entries}}</dd>
        <dt>details</dt><dd><code>{{details}}</code></dd>
        {{^open}}<dt>acknowledged</dt><dd>by {{acknowledgedBy}} at {{acknowledged}}: {{note}}</dd>{{/open}}
        </dl>
        {{#open}}<form method="post" action="/reviews/acknowledge">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="id" value="{{id}}">
        <label for="note-{{id}}">Note</label>
        <input type="text" id="note-{{id}}" name="note" maxlength="4096" required>
        <button type="submit" id="ack-{{id}}">Acknowledge</button>
        </form>{{/open}}
        </article>
        {{/items}}{{/hasItems}}
        {{^hasItems}}<p id="no-reviews">Nothing to review.</p>{{/hasItems}}
        </div>
        {{> foot}}
        """
}
