var d=Object.defineProperty;var s=(a,t)=>d(a,"name",{value:t,configurable:!0});const u=114,p=[114],f={5114:((a,t,e)=>{e.r(t),e.d(t,{schemaCommand:s(()=>h,"schemaCommand")});var n=e(3567),r=e(8439),l=e(9894);function c(){const o=r.bl(l.pQ,{io:"input",unrepresentable:"any"});return{$schema:o.$schema,$id:"https://github.com/rollgate/rollgate/schema/rollgate.schema.json",title:"Rollgate rollout spec",description:"A progressive rollout: traffic stages, metric gates, approvals and rollback. See README.md.",...o}}s(c,"specJsonSchema");function m(){return`${JSON.stringify(c(),null,2)}
`}s(m,"specJsonSchemaText");const h={help:`Usage: rollgate schema

Prints the JSON Schema (draft 2020-12) of rollout.yml, generated from the same schema the CLI
validates with. Point your editor at it:
  # yaml-language-server: $schema=https://\u2026/schema/rollgate.schema.json`,async run(o,i){return i.stdout.write(m()),n.d.ok}}})};export{u as id,p as ids,f as modules};
