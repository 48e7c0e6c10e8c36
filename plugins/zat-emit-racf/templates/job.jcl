{% for line in card %}
{{ line }}
{% endfor %}
//*-------------------------------------------------------------------
{% for paragraph in header %}
{% for line in paragraph %}
{{ line }}
{% endfor %}
//*-------------------------------------------------------------------
{% endfor %}
{% for item in items %}
{% if item.kind == "if" %}
// IF ({{ item.condition }}) THEN
{% elif item.kind == "endif" %}
// ENDIF
{% elif item.kind == "stop" %}
//*
{% for line in item.about %}
{{ line }}
{% endfor %}
{{ item.statement }}
{% else %}
//*
{% for line in item.about %}
{{ line }}
{% endfor %}
//{{ item.name_field }} EXEC PGM={{ item.program }},REGION=0M,DYNAMNBR=20
//SYSTSPRT DD SYSOUT=*
//SYSTSIN  DD DATA,DLM=$$
{% for command in item.commands %}
{% if command.comment %}
 /* {{ command.comment }} */
{% endif %}
 {{ command.text }}
{% endfor %}
$$
{% endif %}
{% endfor %}
