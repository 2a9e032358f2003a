var g=Object.defineProperty;var t=(s,a)=>g(s,"name",{value:a,configurable:!0});const S=114,f=[114],y={5114:((s,a,e)=>{e.r(a),e.d(a,{schemaCommand:t(()=>m,"schemaCommand")});var n=e(3567),l=e(8439),r=e(9894),d=e(8677);function h(){const o=l.bl(r.pQ,{io:"input",unrepresentable:"any"});return{$schema:o.$schema,$id:"https://github.com/rollgate/rollgate/schema/rollgate.schema.json",title:"Rollgate rollout spec",description:"A progressive rollout: traffic stages, metric gates, approvals and rollback. See README.md.",...o}}t(h,"specJsonSchema");function c(){return`${JSON.stringify(h(),null,2)}
`}t(c,"specJsonSchemaText");function u(){const o=z.toJSONSchema(webhookBody,{io:"output"});return`${JSON.stringify({$schema:o.$schema,$id:"https://github.com/rollgate/rollgate/schema/alert-webhook.schema.json",title:"Rollgate webhook alert",description:"The JSON body Rollgate POSTs to a webhook alert channel; signed in X-Rollgate-Signature (sha256=HMAC of the body).",...o},null,2)}
`}t(u,"alertWebhookJsonSchemaText");const m={help:`Usage: rollgate schema

Prints the JSON Schema (draft 2020-12) of rollout.yml, generated from the same schema the CLI
validates with. Point your editor at it:
  # yaml-language-server: $schema=https://\u2026/schema/rollgate.schema.json`,async run(o,i){return i.stdout.write(c()),n.d.ok}}})};export{S as id,f as ids,y as modules};
