"""The alarms in template.yaml watch what they claim to: the API's 5xx rate, throttling (Lambda and the table),
and every authorizer function's errors; each notifies the alarm topic."""
from __future__ import annotations

from typing import Any

from local.template import load_template


def _resources() -> dict[str, Any]:
    return load_template()["Resources"]


def _alarms() -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in _resources().items() if v["Type"] == "AWS::CloudWatch::Alarm"}


def _metrics(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """(namespace, name, dimensions) of every metric an alarm reads, plain or in metric math."""
    if "MetricName" in alarm:
        return [{"Namespace": alarm["Namespace"], "MetricName": alarm["MetricName"],
                 "Dimensions": alarm.get("Dimensions", [])}]
    return [m["MetricStat"]["Metric"] for m in alarm["Metrics"] if "MetricStat" in m]


def test_given_the_template_then_every_alarm_notifies_the_alarm_topic_when_raised_and_cleared():
    assert _alarms()
    for name, alarm in _alarms().items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}] == alarm["OKActions"], name
        assert alarm["TreatMissingData"] == "notBreaching", name


def test_given_the_5xx_alarm_then_it_reads_the_rate_of_this_apis_stage():
    api = next(v["Properties"] for v in _resources().values() if v["Type"] == "AWS::Serverless::Api")
    alarm = _alarms()["Api5xxRateAlarm"]
    (metric,) = _metrics(alarm)
    assert (metric["Namespace"], metric["MetricName"], alarm["Statistic"]) == ("AWS/ApiGateway", "5XXError", "Average")
    dimensions = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
    assert dimensions == {"ApiName": {"Fn::Sub": api["Name"]["Fn::Sub"]}, "Stage": api["StageName"]}
    assert 0 < alarm["Threshold"] < 1  # a rate, not a count


def test_given_the_throttle_alarms_then_lambda_and_the_tables_reads_and_writes_are_watched():
    watched = {(m["Namespace"], m["MetricName"]) for name in ("LambdaThrottlesAlarm", "TableThrottlesAlarm")
               for m in _metrics(_alarms()[name])}
    assert watched == {("AWS/Lambda", "Throttles"), ("AWS/DynamoDB", "ReadThrottleEvents"),
                       ("AWS/DynamoDB", "WriteThrottleEvents")}
    for metric in _metrics(_alarms()["TableThrottlesAlarm"]):
        assert metric["Dimensions"] == [{"Name": "TableName", "Value": {"Ref": "Table"}}]


def test_given_every_function_running_the_authorizer_code_then_its_errors_raise_the_authorizer_alarm():
    authorizers = {k for k, v in _resources().items() if v["Type"] == "AWS::Serverless::Function"
                   and v["Properties"]["CodeUri"].rstrip("/") == "functions/authorizer"}
    watched = {d["Value"]["Ref"] for m in _metrics(_alarms()["AuthorizerErrorsAlarm"])
               if m["MetricName"] == "Errors" for d in m["Dimensions"] if d["Name"] == "FunctionName"}
    assert authorizers == watched
    assert {"AuthorizerFunction", "KeyAuthorizerFunction"} <= watched
